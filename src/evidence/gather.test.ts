import { describe, expect, it } from "vitest";
import { EvidenceCache } from "./cache.js";
import { EvidenceError } from "./errors.js";
import type { ScanEvidence } from "./facts.js";
import { gatherFacts } from "./gather.js";
import type { EvidencePorts, EvidenceSubject } from "./ports.js";

const DIGEST = `sha256:${"c".repeat(64)}`;
const SUBJECT: EvidenceSubject = { registry: "registry.example.com", repository: "team/app", digest: DIGEST };
const SCAN: ScanEvidence = {
  scannedAt: "2026-06-01T10:00:00Z",
  findings: [{ id: "CVE-1", severity: "HIGH" }],
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** In-memory ports that count calls and can be slowed down or broken per source. */
function fakePorts(behaviour: { delayMs?: number; fail?: string[]; hang?: string[] } = {}) {
  const calls = { config: 0, signatures: 0, attestations: 0, scan: 0 };
  const aborted: string[] = [];
  const act = async <T>(source: keyof typeof calls, signal: AbortSignal, value: T): Promise<T> => {
    calls[source]++;
    signal.addEventListener("abort", () => aborted.push(source));
    if (behaviour.hang?.includes(source)) await sleep(60_000, signal);
    if (behaviour.delayMs) await sleep(behaviour.delayMs, signal);
    if (behaviour.fail?.includes(source)) throw new Error(`${source} lookup failed: connection refused`);
    return value;
  };
  const ports: EvidencePorts = {
    config: {
      imageConfig: (_s, signal) =>
        act("config", signal, {
          user: "1000",
          labels: { "org.opencontainers.image.base.name": "docker.io/library/debian:12" },
          annotations: { "org.opencontainers.image.base.digest": `sha256:${"d".repeat(64)}` },
        }),
    },
    signatures: {
      verifySignatures: (s, signal) =>
        act("signatures", signal, [{ verified: true, digest: s.digest, signer: { key: "k.pub" } }]),
    },
    attestations: { verifyAttestations: (_s, signal) => act("attestations", signal, []) },
    scans: { latestScan: (_s, signal) => act("scan", signal, SCAN) },
  };
  return { ports, calls, aborted };
}

describe("gatherFacts", () => {
  it("gathers every source concurrently and derives the base image", async () => {
    const { ports, calls } = fakePorts({ delayMs: 40 });
    const started = performance.now();
    const facts = await gatherFacts(SUBJECT, ports, { timeoutMs: 1000 });
    expect(performance.now() - started).toBeLessThan(140);
    expect(calls).toEqual({ config: 1, signatures: 1, attestations: 1, scan: 1 });
    expect(facts).toEqual({
      config: expect.objectContaining({ user: "1000" }),
      base: { name: "docker.io/library/debian:12", digest: `sha256:${"d".repeat(64)}` },
      signatures: [{ verified: true, digest: DIGEST, signer: { key: "k.pub" } }],
      attestations: [],
      scan: SCAN,
    });
  });

  it("records a timeout, aborts the lookup, and keeps the other facts", async () => {
    const { ports, aborted } = fakePorts({ hang: ["signatures"] });
    const started = performance.now();
    const facts = await gatherFacts(SUBJECT, ports, { timeoutMs: 50 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(facts.errors).toEqual([{ source: "signatures", message: "timed out after 50ms" }]);
    expect(facts.signatures).toBeUndefined();
    expect(facts.scan).toEqual(SCAN);
    expect(aborted).toEqual(["signatures"]);
  });

  it("records failures, synchronous throws and missing ports", async () => {
    const { ports } = fakePorts({ fail: ["scan"] });
    const broken: EvidencePorts = {
      ...ports,
      attestations: {
        verifyAttestations: () => {
          throw new TypeError("boom");
        },
      },
      signatures: undefined,
    };
    const facts = await gatherFacts(SUBJECT, broken, { timeoutMs: 500 });
    expect(facts.errors).toEqual([
      { source: "signatures", message: "no signatures source is configured" },
      { source: "attestations", message: "boom" },
      { source: "scan", message: "scan lookup failed: connection refused" },
    ]);
    expect(facts.config?.user).toBe("1000");
  });

  it("gathers only the sources asked for", async () => {
    const { ports, calls } = fakePorts();
    const facts = await gatherFacts(SUBJECT, { scans: ports.scans }, { timeoutMs: 500, sources: ["scan"] });
    expect(facts).toEqual({ scan: SCAN });
    expect(calls).toEqual({ config: 0, signatures: 0, attestations: 0, scan: 1 });
  });

  it("stops when the request is aborted", async () => {
    const { ports } = fakePorts({ hang: ["config", "signatures", "attestations", "scan"] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const facts = await gatherFacts(SUBJECT, ports, { timeoutMs: 10_000, signal: controller.signal });
    expect(facts.errors?.map((e) => e.message)).toEqual(Array(4).fill("the request was aborted"));
  });

  it.each([0, -1, Number.NaN])("refuses timeoutMs %s", async (timeoutMs) => {
    await expect(gatherFacts(SUBJECT, {}, { timeoutMs })).rejects.toBeInstanceOf(EvidenceError);
  });
});

describe("gatherFacts with an EvidenceCache", () => {
  it("keeps a digest's config, expires scans after their TTL, never caches failures", async () => {
    let now = 0;
    // The fake's attestations have none verified: kept as long as the rest here (cache.test.ts covers
    // the shorter TTL of negative answers).
    const cache = new EvidenceCache({
      now: () => now,
      ttlMs: { scan: 30_000, signatures: 60_000 },
      negativeTtlMs: 60_000,
    });
    const { ports, calls } = fakePorts();
    await gatherFacts(SUBJECT, ports, { timeoutMs: 500, cache });
    now = 29_000;
    await gatherFacts(SUBJECT, ports, { timeoutMs: 500, cache });
    expect(calls).toEqual({ config: 1, signatures: 1, attestations: 1, scan: 1 });
    now = 31_000;
    await gatherFacts(SUBJECT, ports, { timeoutMs: 500, cache });
    expect(calls).toEqual({ config: 1, signatures: 1, attestations: 1, scan: 2 });
    now = 3_600_000;
    await gatherFacts(SUBJECT, ports, { timeoutMs: 500, cache });
    expect(calls).toEqual({ config: 1, signatures: 2, attestations: 2, scan: 3 });

    const failing = fakePorts({ fail: ["config"] });
    const other = { ...SUBJECT, digest: `sha256:${"e".repeat(64)}` };
    await gatherFacts(other, failing.ports, { timeoutMs: 500, cache, sources: ["config"] });
    await gatherFacts(other, failing.ports, { timeoutMs: 500, cache, sources: ["config"] });
    expect(failing.calls.config).toBe(2);
  });

  it("shares one lookup between concurrent requests for the same digest", async () => {
    const cache = new EvidenceCache();
    const { ports, calls } = fakePorts({ delayMs: 20 });
    const all = await Promise.all(
      Array.from({ length: 50 }, () => gatherFacts(SUBJECT, ports, { timeoutMs: 500, cache })),
    );
    expect(calls).toEqual({ config: 1, signatures: 1, attestations: 1, scan: 1 });
    expect(new Set(all.map((f) => JSON.stringify(f))).size).toBe(1);
  });

  it("keeps signatures per repository and forgets a digest on invalidate", async () => {
    const cache = new EvidenceCache();
    const { ports, calls } = fakePorts();
    await gatherFacts(SUBJECT, ports, { timeoutMs: 500, cache });
    await gatherFacts({ ...SUBJECT, repository: "mirror/app" }, ports, { timeoutMs: 500, cache });
    expect(calls).toEqual({ config: 1, signatures: 2, attestations: 2, scan: 1 });
    cache.invalidate(DIGEST);
    expect(cache.size).toBe(0);
  });
});

describe("gatherFacts with digest relations", () => {
  const INDEX = `sha256:${"1".repeat(64)}`;
  const CHILD = `sha256:${"2".repeat(64)}`;
  const PARENT = `sha256:${"3".repeat(64)}`;

  /** Ports that answer per digest: who asked for what is recorded. */
  function perDigestPorts(signed: Record<string, boolean>, relations: EvidencePorts["relations"]) {
    const asked: string[] = [];
    const ports: EvidencePorts = {
      ...(relations ? { relations } : {}),
      config: {
        imageConfig: async (s) => {
          asked.push(`config ${s.digest}`);
          return { user: "1000" };
        },
      },
      signatures: {
        verifySignatures: async (s) => {
          asked.push(`signatures ${s.digest}`);
          const verdict = signed[s.digest];
          if (verdict === undefined) return [];
          return [
            {
              verified: verdict,
              digest: s.digest,
              signer: { key: "k.pub" },
              ...(verdict ? {} : { error: "bad" }),
            },
          ];
        },
      },
      attestations: {
        verifyAttestations: async (s) => {
          asked.push(`attestations ${s.digest}`);
          return signed[s.digest]
            ? [{ predicateType: "t", verified: true, digest: s.digest, signer: {}, predicate: {} }]
            : [];
        },
      },
      scans: {
        latestScan: async (s) => {
          asked.push(`scan ${s.digest}`);
          return SCAN;
        },
      },
    };
    return { ports, asked };
  }

  it("gathers nothing for an index: a child's signature never vouches for it (issue 11, item 1)", async () => {
    const manifests = [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: CHILD, size: 1 }];
    const { ports, asked } = perDigestPorts(
      { [CHILD]: true },
      { relations: async () => ({ imageDigest: INDEX, boundDigests: [], index: { manifests } }) },
    );
    const facts = await gatherFacts({ ...SUBJECT, digest: INDEX }, ports, { timeoutMs: 1000 });
    expect(asked).toEqual([]);
    const message = `${INDEX} is an index: only the images it lists can be judged`;
    expect(facts).toEqual({
      errors: ["config", "signatures", "attestations", "scan"].map((source) => ({ source, message })),
    });
  });

  it("restates a signature over an index that lists the image for the image", async () => {
    const { ports } = perDigestPorts(
      { [INDEX]: true },
      { relations: async () => ({ imageDigest: CHILD, boundDigests: [INDEX] }) },
    );
    const facts = await gatherFacts({ ...SUBJECT, digest: CHILD }, ports, { timeoutMs: 1000 });
    expect(facts.signatures).toEqual([
      { verified: true, digest: CHILD, signer: { key: "k.pub" }, via: INDEX },
    ]);
    expect(facts.attestations).toMatchObject([{ digest: CHILD, via: INDEX }]);
  });

  it("restates only verified signatures of a bound digest; a failed one keeps its own digest", async () => {
    const { ports } = perDigestPorts(
      { [PARENT]: false, [DIGEST]: false },
      { relations: async () => ({ imageDigest: DIGEST, boundDigests: [PARENT] }) },
    );
    const facts = await gatherFacts(SUBJECT, ports, { timeoutMs: 1000, sources: ["signatures"] });
    expect(facts.signatures).toEqual([
      { verified: false, digest: DIGEST, signer: { key: "k.pub" }, error: "bad" },
      { verified: false, digest: PARENT, signer: { key: "k.pub" }, error: "bad" },
    ]);
  });

  it("fails config and signatures closed when the relations cannot be read; a scan is read as it stands", async () => {
    const broken = {
      relations: async () => {
        throw new Error("registry unreachable");
      },
    };
    const { ports, asked } = perDigestPorts({ [DIGEST]: true }, broken);
    const facts = await gatherFacts(SUBJECT, ports, { timeoutMs: 1000 });
    // The digest may be an index: its config would be one entry's, its signatures no image's.
    expect(asked).toEqual([`scan ${DIGEST}`]);
    const message = `cannot tell which image ${DIGEST} runs: registry unreachable`;
    expect(facts).toEqual({
      scan: SCAN,
      errors: ["config", "signatures", "attestations"].map((source) => ({ source, message })),
    });
    // Never scanned: the relations' failure is the reason (an index is never scanned).
    const unscanned: EvidencePorts = { ...ports, scans: { latestScan: async () => undefined } };
    const bare = await gatherFacts(SUBJECT, unscanned, { timeoutMs: 1000, sources: ["scan"] });
    expect(bare.errors).toEqual([{ source: "scan", message }]);
  });

  it("reads at most maxBoundDigests bound digests and says the rest were not read (issue 11, item 5)", async () => {
    // Anyone who can push can list an image in a thousand indexes; each would cost a discovery.
    const parents = Array.from({ length: 1000 }, (_, i) => `sha256:${i.toString(16).padStart(64, "0")}`);
    const asked: string[] = [];
    const ports: EvidencePorts = {
      relations: { relations: async () => ({ imageDigest: DIGEST, boundDigests: parents }) },
      signatures: {
        verifySignatures: async (s) => {
          asked.push(s.digest);
          return [];
        },
      },
    };
    const facts = await gatherFacts(SUBJECT, ports, {
      timeoutMs: 1000,
      sources: ["signatures"],
      maxBoundDigests: 4,
    });
    expect(asked).toEqual([DIGEST, ...parents.slice(0, 4)]);
    expect(facts.signatures).toEqual([
      {
        verified: false,
        digest: DIGEST,
        signer: {},
        error: expect.stringMatching(/evidence incomplete: 1000 digests are bound .* first 4 were read/),
      },
    ]);
    const defaults = await gatherFacts(SUBJECT, ports, { timeoutMs: 1000, sources: ["signatures"] });
    expect(defaults.signatures).toHaveLength(1);
    expect(asked).toHaveLength(5 + 9);
  });

  it("keeps the subject's own signatures when a bound digest's look-up fails", async () => {
    const { ports } = perDigestPorts(
      { [DIGEST]: true },
      { relations: async () => ({ imageDigest: DIGEST, boundDigests: [PARENT] }) },
    );
    const failing: EvidencePorts = {
      ...ports,
      signatures: {
        verifySignatures: async (s) => {
          if (s.digest === PARENT) throw new Error("parent unreadable");
          return [{ verified: true, digest: s.digest, signer: { key: "k.pub" } }];
        },
      },
    };
    const facts = await gatherFacts(SUBJECT, failing, { timeoutMs: 1000, sources: ["signatures"] });
    expect(facts.signatures).toEqual([{ verified: true, digest: DIGEST, signer: { key: "k.pub" } }]);
    expect(facts.errors).toBeUndefined();
  });

  it("reads the relations even when only the config is wanted (an index's config is no image's)", async () => {
    let lookups = 0;
    const { ports } = perDigestPorts(
      {},
      {
        relations: async () => {
          lookups++;
          return { imageDigest: DIGEST, boundDigests: [] };
        },
      },
    );
    await gatherFacts(SUBJECT, ports, { timeoutMs: 1000, sources: ["config"] });
    expect(lookups).toBe(1);
  });

  it("caches the relations of a digest", async () => {
    let lookups = 0;
    const { ports } = perDigestPorts(
      {},
      {
        relations: async () => {
          lookups++;
          return { imageDigest: DIGEST, boundDigests: [] };
        },
      },
    );
    const cache = new EvidenceCache();
    await gatherFacts(SUBJECT, ports, { timeoutMs: 1000, cache, sources: ["scan"] });
    await gatherFacts(SUBJECT, ports, { timeoutMs: 1000, cache, sources: ["scan"] });
    expect(lookups).toBe(1);
  });
});

describe("gatherFacts: the image's user", () => {
  const portsFor = (user: string, users?: EvidencePorts["users"]) => {
    const looked: string[] = [];
    const ports: EvidencePorts = {
      config: { imageConfig: async () => ({ user }) },
      users: users ?? {
        imageUser: async (_s, u) => {
          looked.push(u);
          return { user: u, uid: 0, gid: 0 };
        },
      },
    };
    return { ports, looked };
  };

  it("resolves a named User through the users port, once per digest with a cache", async () => {
    const { ports, looked } = portsFor("svc");
    const cache = new EvidenceCache();
    const options = { timeoutMs: 1000, sources: ["config", "users"] as const, cache };
    const facts = await gatherFacts(SUBJECT, ports, options);
    await gatherFacts(SUBJECT, ports, options);
    expect(facts).toEqual({ config: { user: "svc" }, user: { user: "svc", uid: 0, gid: 0 } });
    expect(looked).toEqual(["svc"]);
  });

  it.each(["1000", "0", "", ":wheel", "1000:wheel"])("never reads the layers for User %j", async (user) => {
    const { ports, looked } = portsFor(user);
    const facts = await gatherFacts(SUBJECT, ports, { timeoutMs: 1000, sources: ["config", "users"] });
    expect(facts.user).toBeUndefined();
    expect(facts.errors).toBeUndefined();
    expect(looked).toEqual([]);
  });

  it("does not look unless asked (the default sources leave users out)", async () => {
    const { ports, looked } = portsFor("svc");
    await gatherFacts(SUBJECT, ports, { timeoutMs: 1000 });
    expect(looked).toEqual([]);
  });

  it("records an unreadable /etc/passwd, or a missing port, as a users error", async () => {
    const broken = portsFor("svc", {
      imageUser: async () => {
        throw new Error("the image has 300 layers");
      },
    });
    const facts = await gatherFacts(SUBJECT, broken.ports, { timeoutMs: 1000, sources: ["config", "users"] });
    expect(facts.errors).toEqual([{ source: "users", message: "the image has 300 layers" }]);
    const { users: _, ...withoutPort } = portsFor("svc").ports;
    const missing = await gatherFacts(SUBJECT, withoutPort, {
      timeoutMs: 1000,
      sources: ["config", "users"],
    });
    expect(missing.errors).toEqual([{ source: "users", message: "no users source is configured" }]);
  });
});

describe("gatherFacts: occurrences", () => {
  const occurrence = {
    noteName: "projects/team/notes/tests-passed",
    kind: "ATTESTATION",
    author: "robot$team+ci",
    digest: DIGEST,
  };

  it("reads occurrences only when asked, in the subject's repository", async () => {
    const asked: EvidenceSubject[] = [];
    const ports: EvidencePorts = {
      occurrences: {
        occurrences: async (subject) => {
          asked.push(subject);
          return [occurrence];
        },
      },
    };
    expect(await gatherFacts(SUBJECT, ports, { timeoutMs: 1000, sources: ["scan"] })).toEqual({
      errors: [{ source: "scan", message: "no scan source is configured" }],
    });
    expect(asked).toEqual([]);
    expect(await gatherFacts(SUBJECT, ports, { timeoutMs: 1000, sources: ["occurrences"] })).toEqual({
      occurrences: [occurrence],
    });
    expect(asked).toEqual([SUBJECT]);
  });

  it("records a missing or failing occurrence source as an error, never as none", async () => {
    expect(await gatherFacts(SUBJECT, {}, { timeoutMs: 1000, sources: ["occurrences"] })).toEqual({
      errors: [{ source: "occurrences", message: "no occurrences source is configured" }],
    });
    const broken: EvidencePorts = {
      occurrences: {
        occurrences: async () => {
          throw new Error("database is locked");
        },
      },
    };
    const facts = await gatherFacts(SUBJECT, broken, { timeoutMs: 1000, sources: ["occurrences"] });
    expect(facts.occurrences).toBeUndefined();
    expect(facts.errors?.[0]).toMatchObject({
      source: "occurrences",
      message: expect.stringContaining("locked"),
    });
  });
});
