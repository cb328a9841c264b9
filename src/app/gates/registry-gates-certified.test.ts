import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../audit/index.js";
import { type Policy, parsePolicy } from "../../policy/index.js";
import { type Actor, Registry } from "../../registry/index.js";
import { type Database, MemoryDriver } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { auditRecorder } from "./audit.js";
import type { CertifiedPolicies } from "./certified.js";
import { registryGateHooks } from "./registry-gates.js";
import { pushConfigOnlyImage } from "./testing/push-image.js";

const actor: Actor = { subject: "alice", kind: "user" };
const requireLabel = (label: string): Policy =>
  parsePolicy(
    `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: { labels: [${label}] }\n`,
    `/policies/${label}.yaml`,
  );

describe.each(databaseTestTargets())("certified images only in the registry gates ($name)", (target) => {
  let database: Database;
  let audit: AuditLog;
  /** project → the policy name its settings require. */
  let settings: Map<string, string>;
  let library: Map<string, Policy>;
  let unreadable: boolean;

  beforeEach(async () => {
    database = await target.open();
    audit = new AuditLog(database);
    settings = new Map([["certified", "labelled"]]);
    library = new Map([["labelled", requireLabel("certified")]]);
    unreadable = false;
  });
  afterEach(async () => database.close());

  const certified: CertifiedPolicies = {
    required: async (repository) => {
      if (unreadable) throw new Error("database is gone");
      return settings.get(repository.split("/")[0]!);
    },
    named: (name) => library.get(name),
    names: () => [...library.keys()].sort(),
  };

  function registryWith(push?: Policy, pull?: Policy) {
    let registry: Registry | undefined;
    const hooks = registryGateHooks({
      registry: () => registry!,
      host: "registry.test:5000",
      ...(push ? { push } : {}),
      ...(pull ? { pull } : {}),
      certified,
      recorder: auditRecorder(audit),
      cacheTtlMs: 60_000,
    });
    registry = new Registry({ database, store: new MemoryDriver(), hooks });
    return registry;
  }
  const push = (registry: Registry, repository: string, labels: string[]) =>
    pushConfigOnlyImage(registry, repository, "v1", {
      config: { Labels: Object.fromEntries(labels.map((l) => [l, "yes"])) },
      actor,
    });
  const decided = async () => (await audit.list()).map((e) => [e.gate, e.effect, e.reason.split(":")[0]]);

  it("asks the global push policy and the project's certified one: both must allow, both are recorded", async () => {
    const registry = registryWith(requireLabel("global"));
    await expect(push(registry, "certified/app", ["global"])).rejects.toThrow(
      "certified policy labelled of project certified: denied by defaultRule",
    );
    await expect(push(registry, "certified/app", ["certified"])).rejects.toMatchObject({ code: "DENIED" });
    await push(registry, "certified/app", ["global", "certified"]);
    // Another project: the global policy alone.
    await push(registry, "other/app", ["global"]);
    // The two gates decide concurrently, so the order within one push is not fixed.
    expect((await decided()).sort()).toEqual(
      [
        ["registry-push", "allow", "allowed by defaultRule"],
        ["registry-push", "deny", "certified policy labelled of project certified"],
        ["registry-push", "deny", "denied by defaultRule"],
        ["registry-push", "allow", "certified policy labelled of project certified"],
        ["registry-push", "allow", "allowed by defaultRule"],
        ["registry-push", "allow", "certified policy labelled of project certified"],
        ["registry-push", "allow", "allowed by defaultRule"],
      ].sort(),
    );
  });

  it("gates pulls of a certified project with no global pull policy, and forgets nothing between projects", async () => {
    settings.delete("certified");
    const registry = registryWith();
    await push(registry, "certified/app", []);
    await expect(registry.manifests.get("certified/app", "v1", actor)).resolves.toBeDefined();
    settings.set("certified", "labelled");
    await expect(registry.manifests.get("certified/app", "v1", actor)).rejects.toThrow(
      "certified policy labelled of project certified",
    );
    settings.delete("certified");
    await expect(registry.manifests.get("certified/app", "v1", actor)).resolves.toBeDefined();
  });

  it("fails closed on a name the library does not hold, and when the settings cannot be read", async () => {
    const registry = registryWith();
    settings.set("certified", "gone");
    await expect(push(registry, "certified/app", ["certified"])).rejects.toThrow(
      'project certified accepts certified images only, under policy "gone", which is not loaded (policy.library holds labelled)',
    );
    settings.set("certified", "labelled");
    await push(registry, "certified/app", ["certified"]);
    unreadable = true;
    await expect(registry.manifests.get("certified/app", "v1", actor)).rejects.toThrow(
      "the settings of project certified could not be read (certified images only): database is gone",
    );
    expect((await audit.list()).map((e) => [e.gate, e.effect, e.rules.map((r) => r.rule)])).toEqual([
      ["registry-push", "deny", ["certifiedPolicy"]],
      ["registry-push", "allow", ["labels"]],
      ["registry-pull", "deny", ["certifiedPolicy"]],
    ]);
  });

  it("without a push policy, allows a push to a project that names no policy without reading the manifest again", async () => {
    let asked = 0;
    let read = 0;
    const hooks = registryGateHooks({
      registry: () => {
        throw new Error("the registry is not read for a project without a certified policy");
      },
      host: "registry.test:5000",
      certified: {
        ...certified,
        required: async (repository) => {
          asked++;
          return certified.required(repository);
        },
      },
      recorder: auditRecorder(audit),
    });
    const content = Buffer.from('{"schemaVersion":2}');
    const context = {
      repository: "other/app",
      digest: `sha256:${"a".repeat(64)}`,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      get content() {
        read++;
        return content;
      },
      tags: ["v1"],
      actor,
    };
    expect(await hooks.beforeManifestPut!(context)).toEqual({ allow: true });
    expect({ asked, read }).toEqual({ asked: 1, read: 0 });
    expect(await audit.list()).toEqual([]);
    // A certified project's push is still judged (and recorded).
    await expect(push(registryWith(), "certified/app", [])).rejects.toMatchObject({ code: "DENIED" });
    await push(registryWith(), "certified/app", ["certified"]);
    expect(await audit.list()).toHaveLength(2);
  });
});
