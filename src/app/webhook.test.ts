import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../audit/index.js";
import { resolveConfig } from "./config.js";
import type { DecisionRecorder } from "./gates/audit.js";
import type { PolicyGate } from "./gates/gate.js";
import { createWebhookServices } from "./webhook.js";

const IMAGE = `registry.example.com/team/app@sha256:${"cd".repeat(32)}`;
const POLICY = "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: { digest: true }\n";

describe("createWebhookServices", () => {
  let dir: string;
  let policyFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "portcullis-webhook-"));
    policyFile = join(dir, "policy.yaml");
    await writeFile(policyFile, POLICY);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const serve = (gate: PolicyGate, recorder: DecisionRecorder | undefined) => ({ gate, recorder });

  it("without the platform's configuration keeps no state: no database, nothing recorded", async () => {
    const services = await createWebhookServices({ policyFile, access: {}, timeoutMs: 1000, serve });
    expect(services.database).toBeUndefined();
    const { gate, recorder } = services.policy.current;
    expect(recorder).toBeUndefined();
    expect(gate.policy.file).toBe(policyFile);
    expect((await gate.decide({ image: IMAGE, request: { kind: "admission" } })).allowed).toBe(true);
    await services.close();
  });

  it("opens serve's database and records through its audit log until closed", async () => {
    const platform = resolveConfig({ env: {}, flags: { "storage.dataDir": dir } });
    const services = await createWebhookServices({
      policyFile,
      platform,
      access: {},
      timeoutMs: 1000,
      serve,
    });
    const { gate, recorder } = services.policy.current;
    const decision = await gate.decide({ image: IMAGE, request: { kind: "admission" } });
    await recorder!.record(decision, { gate: "admission", image: IMAGE, caller: "token" });
    const log = new AuditLog(services.database!);
    expect(await log.list({ gate: "admission" })).toMatchObject([{ image: IMAGE, effect: "allow" }]);
    expect((await log.verifyChain()).ok).toBe(true);
    await services.close();
    await expect(log.list({})).rejects.toThrow();
  });

  it("refuses to start on a policy that does not load", async () => {
    await writeFile(policyFile, "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule: { bogus: 1 }\n");
    const platform = resolveConfig({ env: {}, flags: { "storage.dataDir": dir } });
    await expect(
      createWebhookServices({ policyFile, platform, access: {}, timeoutMs: 1000, serve }),
    ).rejects.toThrow(/policy\.yaml:3/);
  });
});
