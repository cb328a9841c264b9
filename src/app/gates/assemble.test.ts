import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateKeyPair } from "../../trust/index.js";
import { assembleGates } from "./assemble.js";
import { loadPolicyFile } from "./policy-file.js";

/** A loopback port nothing listens on any more (taken, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

const signedPolicy = (mode: string) =>
  `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  enforcementMode: ${mode}\n  require:\n    digest: true\n    signedBy: [{ key: release.pub }]\n`;

describe("assembleGates", () => {
  let dir: string;
  let policyFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcullis-assemble-"));
    policyFile = join(dir, "policy.yaml");
    await writeFile(policyFile, signedPolicy("enforce"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads the policy's key files when it builds a gate: an unreadable key refuses the policy", () => {
    const gates = assembleGates({ access: {}, timeoutMs: 1000 });
    expect(() => gates.gate(loadPolicyFile(policyFile))).toThrow(
      expect.objectContaining({ code: "KEY_UNREADABLE" }),
    );
  });

  it("asks the registry through its clients and fails closed when it cannot be reached", async () => {
    await writeFile(
      join(dir, "release.pub"),
      (await generateKeyPair("pw", { strength: "legacy" })).publicKeyPem,
    );
    const registry = `127.0.0.1:${await closedPort()}`;
    const gate = assembleGates({ access: {}, timeoutMs: 5000 }).gate(loadPolicyFile(policyFile));
    const { decision, input } = await gate.explain({
      image: `${registry}/team/app:1.0`,
      request: { kind: "ci" },
    });
    expect(input.image.digest).toBeUndefined();
    expect(decision.allowed).toBe(false);
    expect(decision.rules.find((r) => r.rule === "digest")).toMatchObject({ passed: false });
    expect(decision.rules.find((r) => r.rule === "signedBy")?.reason).toContain(
      `registry ${registry} is unreachable`,
    );
  });

  it("follows the policy file: a changed policy or key file builds a new gate", async () => {
    const key = join(dir, "release.pub");
    await writeFile(key, (await generateKeyPair("pw", { strength: "legacy" })).publicKeyPem);
    const built: string[] = [];
    const followed = assembleGates({ access: {}, timeoutMs: 1000, evidenceCache: true }).follow(
      policyFile,
      (gate) => {
        built.push(gate.policy.defaultRule.enforcementMode);
        return gate;
      },
    );
    expect(built).toEqual(["enforce"]);
    await writeFile(key, (await generateKeyPair("pw", { strength: "legacy" })).publicKeyPem);
    expect(followed.check()).toMatchObject({ result: "reloaded" });
    await writeFile(policyFile, signedPolicy("warn"));
    expect(followed.check()).toMatchObject({ result: "reloaded" });
    expect(built).toEqual(["enforce", "enforce", "warn"]);
    expect(followed.current.policy.defaultRule.enforcementMode).toBe("warn");
  });
});
