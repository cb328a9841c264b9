/**
 * Approvals end to end, all through the real binary against a listening Portcullis: keys made with
 * `keygen`, images signed with `sign` and approved with `approve`, and examples/policies/
 * require-approval.yaml (as shipped) deciding with `verify --policy`: an image approved with the
 * approvers' key passes; one approved with another key, or not approved, is denied with the reason.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/index.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { pushTinyImage } from "../support/push-image.js";
import { PORTCULLIS_BIN, REPO_ROOT, type RunResult, run } from "../support/targets.js";

const PASSWORD = "approvals test";
const APPROVAL = "https://portcullis.dev/attestations/approval/v1";

describe("portcullis approve and a policy requiring approval", () => {
  let server: TestServer;
  let host: string;
  let work: string;

  const portcullis = (args: string[]): Promise<RunResult> =>
    run(process.execPath, [PORTCULLIS_BIN, ...args], {
      cwd: work,
      env: { PORTCULLIS_PASSWORD: PASSWORD, NO_COLOR: "1" },
      allowFailure: true,
      timeoutMs: 60_000,
    });

  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite", storage: "memory" });
    host = new URL(server.url).host;
    work = join(server.root, "work");
    await mkdir(join(work, "keys"), { recursive: true });
    await copyFile(
      join(REPO_ROOT, "examples", "policies", "require-approval.yaml"),
      join(work, "require-approval.yaml"),
    );
    for (const name of ["release", "security"]) {
      const made = await portcullis(["keygen", "--output-prefix", join(work, "keys", name)]);
      expect(made.code, made.stderr).toBe(0);
    }
    const client = new RegistryClient({ registry: host });
    for (const tag of ["approved", "self-approved", "unapproved"]) {
      await pushTinyImage(client, "team/app", tag);
      const signed = await portcullis([
        "sign",
        `${host}/team/app:${tag}`,
        "--key",
        join(work, "keys", "release.key"),
      ]);
      expect(signed.code, signed.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it("attaches a signed approval that says who, why and until when", async () => {
    const approved = await portcullis([
      "approve",
      `${host}/team/app:approved`,
      "--key",
      join(work, "keys", "security.key"),
      "--approver",
      "security@example.com",
      "--reason",
      "reviewed in CR-1234",
      "--expires",
      "30d",
      "-o",
      "json",
    ]);
    expect(approved.code, approved.stderr).toBe(0);
    const out = JSON.parse(approved.stdout) as { predicateType: string; predicate: Record<string, string> };
    expect(out.predicateType).toBe(APPROVAL);
    expect(out.predicate).toMatchObject({ approver: "security@example.com", reason: "reviewed in CR-1234" });
    const days = (Date.parse(out.predicate.expires!) - Date.parse(out.predicate.approvedAt!)) / 86_400_000;
    expect(days).toBe(30);

    // The release key is not the approvers' key.
    const self = await portcullis([
      "approve",
      `${host}/team/app:self-approved`,
      "--key",
      join(work, "keys", "release.key"),
      "--approver",
      "dev@example.com",
      "--reason",
      "looks fine to me",
      "--expires",
      "1h",
    ]);
    expect(self.code, self.stderr).toBe(0);
    expect(self.stdout).toContain("Approved by dev@example.com until");

    const missing = await portcullis([
      "approve",
      `${host}/team/app:approved`,
      "--key",
      "k",
      "--approver",
      "a",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--reason");
    const badExpiry = await portcullis([
      "approve",
      `${host}/team/app:approved`,
      "--key",
      join(work, "keys", "security.key"),
      "--approver",
      "a",
      "--reason",
      "b",
      "--expires",
      "soon",
    ]);
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.stderr).toContain("--expires");
  });

  it("lets require-approval.yaml admit only the image the approvers' key approved", async () => {
    const verify = (tag: string) =>
      portcullis(["verify", `${host}/team/app:${tag}`, "--policy", join(work, "require-approval.yaml")]);
    const ok = await verify("approved");
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain("timestamp(predicate.expires) > now");

    const self = await verify("self-approved");
    expect(self.code).toBe(1);
    expect(self.stdout).toContain(`none verified by key keys/security.pub`);

    const none = await verify("unapproved");
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(`no verified ${APPROVAL} by key keys/security.pub attestation`);
  });
});
