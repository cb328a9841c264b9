/**
 * Certified images only, against a real listening Portcullis in accounts mode on each database: a
 * project's `certifiedPolicy` names the shipped `signed` policy of `policy.library`, and the registry's
 * push and pull gates apply it to that project only. Pushes and pulls go over HTTP through the registry
 * client as a developer (the token flow), signatures are made with `signImage`, and every decision is
 * read back from the audit log.
 */
import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountStore } from "../../src/auth/index.js";
import { parseImageReference, RegistryClient } from "../../src/oci/index.js";
import { startTestServer, type TestServer, testDatabases } from "../../src/server/testing.js";
import { resolveImage, type SigningKey, signImage } from "../../src/trust/index.js";
import { classifyKey } from "../../src/trust/keys/policy.js";
import { writeImageLayout } from "../support/oci-layout.js";
import { pushTinyImage } from "../support/push-image.js";
import { unavailable } from "../support/requirements.js";
import { isolatedSkopeo } from "../support/skopeo.js";
import { hasCommand } from "../support/targets.js";

const SHIPPED = fileURLToPath(new URL("../../examples/policies/library", import.meta.url));
const ROOT = { username: "root", password: "root password one" };
const CI = { username: "ci", password: "ci password for pushes" };

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicKey, kind: classifyKey(publicKey) };
}

/** Polls `probe` until it returns true (a state another replica's change reaches within a second). */
async function eventually(probe: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`not reached within ${deadlineMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(testDatabases())("certified images only (%s)", (database) => {
  let server: TestServer;
  let library: string;
  let host: string;
  let ci: RegistryClient;
  let oldDigest: string;
  let signedDigest: string;
  const key = newKey();

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${ROOT.username}:${ROOT.password}`).toString("base64")}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = res.status === 204 ? undefined : ((await res.json()) as { settings?: unknown });
    return { status: res.status, body: answer };
  };
  const certify = (project: string, name?: string) =>
    api("PATCH", `/api/v1/projects/${project}`, { settings: { certifiedPolicy: name ?? null } });
  const pulls = (repository: string, tag: string) =>
    ci.getManifest(repository, tag).then(
      () => "allowed",
      (err: Error) => err.message,
    );
  const decisions = async (image: string) =>
    (await server.platform.audit.list({ image })).filter((e) => e.gate !== "access");

  beforeAll(async () => {
    library = mkdtempSync(join(tmpdir(), "portcullis-certified-"));
    cpSync(SHIPPED, library, { recursive: true });
    mkdirSync(join(library, "keys"));
    writeFileSync(
      join(library, "keys", "release.pub"),
      key.publicKey.export({ type: "spki", format: "pem" }),
    );
    server = await startTestServer({
      database,
      config: { "auth.mode": "accounts", "policy.library": library, "scan.onPush": false },
    });
    host = server.url.replace("http://", "");
    const store = server.platform.identity!.store;
    await store.createUser({ name: ROOT.username, password: ROOT.password, admin: true });
    await store.createUser({ name: CI.username, password: CI.password });
    for (const project of ["certified", "other"]) {
      expect((await api("POST", "/api/v1/projects", { name: project })).status).toBe(201);
      const member = await api("POST", `/api/v1/projects/${project}/members`, {
        name: CI.username,
        role: "developer",
      });
      expect(member.status).toBe(201);
    }
    ci = new RegistryClient({ registry: host, credentials: CI });
    // Stored before the switch is turned on: one image left unsigned, one signed with the release key.
    oldDigest = await pushTinyImage(ci, "certified/app", "old", { seed: "old" });
    signedDigest = await pushTinyImage(ci, "certified/app", "signed", { seed: "signed" });
    await signImage(ci, await resolveImage(ci, parseImageReference(`${host}/certified/app:signed`)), key);
    expect(await pulls("certified/app", "old")).toBe("allowed");
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    rmSync(library, { recursive: true, force: true });
  });

  it("refuses an unsigned push with the policy's reason and lets a signed image in, in that project only", async () => {
    expect(server.platform.namedPolicies()).toEqual(["scanned", "signed"]);
    const on = await certify("certified", "signed");
    expect(on.status).toBe(200);
    expect(on.body?.settings).toEqual({ certifiedPolicy: "signed" });

    const refused = await pushTinyImage(ci, "certified/app", "new", { seed: "new" }).then(
      () => "stored",
      (err: Error) => err.message,
    );
    expect(refused).toContain("certified policy signed of project certified");
    expect(refused).toContain("signedBy");
    // The signed image, pushed again under another tag: its signature is in the repository already.
    expect(await pushTinyImage(ci, "certified/app", "v2", { seed: "signed" })).toBe(signedDigest);
    // Another project is not affected.
    expect(await pushTinyImage(ci, "other/app", "new", { seed: "new" })).toMatch(/^sha256:/);
    expect(await pulls("other/app", "new")).toBe("allowed");

    const pushes = (await decisions("certified/app")).filter((e) => e.gate === "registry-push");
    expect(pushes.map((e) => [e.actor, e.effect, e.reason.split(":")[0]])).toEqual([
      ["ci", "deny", "certified policy signed of project certified"],
      ["ci", "allow", "certified policy signed of project certified"],
    ]);
    // Both by the named policy's file (its digest recorded as with every policy).
    expect(pushes[0]?.policyDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pushes[1]?.policyDigest).toBe(pushes[0]?.policyDigest);
    expect(await decisions("other/app")).toEqual([]);
  });

  it("refuses to serve an image stored before the switch that the policy does not pass", async () => {
    const refused = await pulls("certified/app", "old");
    expect(refused).toContain("certified policy signed of project certified");
    expect(refused).toContain("signedBy");
    expect(await pulls("certified/app", "signed")).toBe("allowed");
    const denied = (await decisions(`certified/app@${oldDigest}`)).filter((e) => e.gate === "registry-pull");
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: "ci", effect: "deny", digest: oldDigest });
  });

  it.skipIf(unavailable("skopeo", hasCommand("skopeo")))(
    "gives skopeo the policy's reason for a refused push and pull",
    async () => {
      const work = join(library, "skopeo");
      const skopeo = await isolatedSkopeo(work);
      expect((await skopeo.login(host, CI.username, CI.password)).code).toBe(0);
      const layout = join(work, "layout");
      await writeImageLayout(layout, { tag: "v1", layerSizes: [1024], seed: "skopeo" });
      const pushed = await skopeo.copy(`oci:${layout}:v1`, `docker://${host}/certified/tool:v1`, {
        allowFailure: true,
      });
      expect(pushed.code).not.toBe(0);
      expect(pushed.stderr).toContain("certified policy signed of project certified");
      const pulled = await skopeo.copy(`docker://${host}/certified/app:old`, `oci:${join(work, "out")}:old`, {
        allowFailure: true,
      });
      expect(pulled.code).not.toBe(0);
      expect(pulled.stderr).toContain("certified policy signed of project certified");
      // The same image goes into the other project.
      await skopeo.copy(`oci:${layout}:v1`, `docker://${host}/other/tool:v1`);
    },
    120_000,
  );

  it("fails closed when the named policy is no longer loaded, and opens again when it is back", async () => {
    const file = join(library, "signed.yaml");
    const text = readFileSync(file);
    unlinkSync(file);
    server.platform.reloadPolicies();
    expect(server.platform.namedPolicies()).toEqual(["scanned"]);
    for (const outcome of [
      await pulls("certified/app", "signed"),
      await pushTinyImage(ci, "certified/app", "v3", { seed: "signed" }).then(
        () => "stored",
        (err: Error) => err.message,
      ),
    ]) {
      expect(outcome).toContain(
        'project certified accepts certified images only, under policy "signed", which is not loaded (policy.library holds scanned)',
      );
    }
    const refusals = (await decisions("certified/app")).filter((e) => e.reason.includes("not loaded"));
    expect(refusals.map((e) => [e.gate, e.actor, e.effect])).toEqual([
      ["registry-pull", "ci", "deny"],
      ["registry-push", "ci", "deny"],
    ]);
    // The API no longer takes the name either.
    expect((await certify("other", "signed")).status).toBe(400);

    writeFileSync(file, text);
    server.platform.reloadPolicies();
    expect(await pulls("certified/app", "signed")).toBe("allowed");
  });

  it("takes a switch turned off on another replica within the snapshot's reload time", async () => {
    expect(await pulls("certified/app", "old")).not.toBe("allowed");
    // Another replica's write: this process hears of it only through the stored revision.
    await new AccountStore(server.platform.database).updateProject("certified", {
      settings: { certifiedPolicy: null },
    });
    await eventually(async () => (await pulls("certified/app", "old")) === "allowed", "the switch off");
    expect(await pushTinyImage(ci, "certified/app", "new", { seed: "new" })).toMatch(/^sha256:/);
  });
});
