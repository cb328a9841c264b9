import { describe, expect, it } from "vitest";
import { EvidenceCache, type EvidencePorts } from "../../evidence/index.js";
import type { Descriptor } from "../../oci/index.js";
import { parsePolicy } from "../../policy/index.js";
import { createPolicyGate } from "./gate.js";
import { MAX_JUDGED_ENTRIES } from "./index-judging.js";

const HOST = "registry.test";
const INDEX = `sha256:${"a".repeat(64)}`;
const digestN = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const policy = parsePolicy(
  "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: { signedBy: [{ key: release.pub }] }\n",
  "/p.yaml",
);
const image = `${HOST}/team/app@${INDEX}`;
const request = { kind: "ci" as const };

function entries(count: number): Descriptor[] {
  return Array.from({ length: count }, (_, i) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: digestN(i + 1),
    size: 10,
    platform: { os: "linux", architecture: i % 2 === 0 ? "amd64" : "arm64" },
  }));
}

/** Ports over one index of `manifests`; every other digest is an image; `verify` answers signatures. */
function portsOf(
  manifests: Descriptor[],
  verify: (digest: string) => Promise<boolean>,
  calls: string[] = [],
): EvidencePorts {
  return {
    relations: {
      relations: async (s) => {
        calls.push(`relations ${s.digest}`);
        return s.digest === INDEX
          ? { imageDigest: INDEX, boundDigests: [], index: { manifests } }
          : { imageDigest: s.digest, boundDigests: [] };
      },
    },
    signatures: {
      verifySignatures: async (s) => {
        calls.push(`signatures ${s.digest}`);
        return (await verify(s.digest))
          ? [{ verified: true, digest: s.digest, signer: { key: "release.pub" } }]
          : [];
      },
    },
  };
}

describe("judging an index's entries", () => {
  it("gathers every entry's evidence at once (observed: each look-up waits until all are in flight)", async () => {
    const manifests = entries(4);
    let waiting = 0;
    let release: () => void = () => {};
    const allIn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const verify = async (digest: string) => {
      if (digest === INDEX) return false;
      if (++waiting === manifests.length) release();
      await allIn; // one at a time would never get here: the timeout would fail every entry
      return true;
    };
    const gate = createPolicyGate({ policy, ports: portsOf(manifests, verify), timeoutMs: 2000 });
    const outcome = await gate.explain({ image, request });
    expect(outcome.entries?.map((e) => e.decision.allowed)).toEqual([true, true, true, true]);
    expect(outcome.decision.allowed).toBe(true);
  });

  it("fails closed, naming the entry, when one entry's evidence is not in by the deadline", async () => {
    const manifests = entries(2);
    const late = digestN(2);
    const verify = (digest: string) =>
      digest === late ? new Promise<boolean>(() => {}) : Promise.resolve(digest !== INDEX);
    const gate = createPolicyGate({ policy, ports: portsOf(manifests, verify), timeoutMs: 50 });
    const decision = await gate.decide({ image, request });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain(`image ${late} ({"os":"linux","architecture":"arm64"})`);
    expect(decision.rules.find((r) => !r.passed)?.reason).toMatch(/timed out after 50ms/);
  });

  it("reuses the evidence cache: a warm decision about an index reads nothing", async () => {
    const calls: string[] = [];
    const gate = createPolicyGate({
      policy,
      ports: portsOf(entries(3), async (d) => d !== INDEX, calls),
      cache: new EvidenceCache(),
      timeoutMs: 1000,
    });
    expect((await gate.decide({ image, request })).allowed).toBe(true);
    const cold = calls.length;
    expect(cold).toBeGreaterThan(0);
    expect((await gate.decide({ image, request })).allowed).toBe(true);
    expect(calls.length).toBe(cold);
  });

  it("fails an index with more entries than it judges, and an entry whose kind cannot be read", async () => {
    const many = createPolicyGate({
      policy,
      ports: portsOf(entries(MAX_JUDGED_ENTRIES + 1), async () => true),
      timeoutMs: 1000,
    });
    const tooMany = await many.decide({ image, request });
    expect(tooMany.allowed).toBe(false);
    expect(tooMany.reason).toContain(`lists ${MAX_JUDGED_ENTRIES + 1} images`);

    const broken = portsOf(entries(2), async () => true);
    const ports: EvidencePorts = {
      ...broken,
      relations: {
        relations: async (s, signal) => {
          if (s.digest === digestN(2)) throw new Error("registry unreachable");
          return broken.relations!.relations(s, signal);
        },
      },
    };
    const decision = await createPolicyGate({ policy, ports, timeoutMs: 1000 }).decide({ image, request });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain(`image ${digestN(2)}`);
    expect(decision.reason).toContain(`cannot tell which image ${digestN(2)} runs`);
  });

  it("judges only the entries a runtime could select on the given nodes", async () => {
    const calls: string[] = [];
    const gate = createPolicyGate({
      policy,
      ports: portsOf(entries(2), async (d) => d === digestN(1), calls),
      timeoutMs: 1000,
      platforms: [{ os: "linux", architecture: "amd64" }],
    });
    const outcome = await gate.explain({ image, request });
    expect(outcome.decision.allowed).toBe(true);
    expect(outcome.entries?.map((e) => e.digest)).toEqual([digestN(1)]);
    expect(calls).not.toContain(`signatures ${digestN(2)}`);
  });
});
