import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { registerAdmission } from "../../src/cli/admission.js";
import { unavailable } from "../support/requirements.js";
import { hasOpenssl, makeCerts } from "./support.js";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command().exitOverride();
  let code = -1;
  registerAdmission(program, (c) => {
    code = c;
  });
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(["node", "portcullis", "admission", ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}

describe("portcullis admission", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("certs --print prints the openssl script for the Service's names", async () => {
    const r = await run([
      "certs",
      "--service",
      "portcullis",
      "--namespace",
      "gate",
      "--print",
      "--dir",
      "/tmp/x",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#!\/bin\/sh/);
    expect(r.stdout).toContain("DNS:portcullis.gate.svc");
  });

  it.skipIf(unavailable("openssl", hasOpenssl()))(
    "certs runs openssl and writes the four files",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "portcullis-certs-"));
      dirs.push(dir);
      const r = await run([
        "certs",
        "--service",
        "portcullis",
        "--namespace",
        "gate",
        "--dir",
        dir,
        "--days",
        "2",
      ]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/ran openssl/);
      for (const f of ["ca.crt", "ca.key", "tls.crt", "tls.key"]) expect(existsSync(join(dir, f))).toBe(true);
    },
  );

  it("certs refuses a service name that is not a DNS label", async () => {
    await expect(run(["certs", "--service", "Bad_Name", "--namespace", "gate", "--print"])).rejects.toThrow(
      /DNS labels/,
    );
  });

  it.skipIf(unavailable("openssl", hasOpenssl()))(
    "install prints both webhook configurations with the CA bundle",
    async () => {
      const certs = makeCerts();
      dirs.push(certs.dir);
      const r = await run([
        "install",
        "--service",
        "portcullis",
        "--namespace",
        "gate",
        "--ca-bundle",
        join(certs.dir, "ca.crt"),
        "--failure-policy",
        "Ignore",
        "--timeout",
        "5s",
      ]);
      expect(r.code).toBe(0);
      const docs = r.stdout
        .split(/^---$/m)
        .map((d) => parse(d) as Record<string, unknown> | null)
        .filter((d) => d !== null);
      expect(docs.map((d) => d?.kind).sort()).toEqual([
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
      ]);
      const webhooks = (docs[0]?.webhooks ?? []) as Array<Record<string, unknown>>;
      const webhook = webhooks[0] ?? {};
      expect(webhook.failurePolicy).toBe("Ignore");
      expect(webhook.timeoutSeconds).toBe(5);
      const bundle = (webhook.clientConfig as { caBundle: string }).caBundle;
      expect(Buffer.from(bundle, "base64").toString("utf8")).toBe(
        readFileSync(join(certs.dir, "ca.crt"), "utf8"),
      );
    },
  );

  it.skipIf(unavailable("openssl", hasOpenssl()))(
    "install --api-server-config writes the API server's AdmissionConfiguration and kubeconfig",
    async () => {
      const certs = makeCerts();
      dirs.push(certs.dir);
      const out = join(certs.dir, "apiserver");
      writeFileSync(join(certs.dir, "token"), "tok-123\n");
      const r = await run([
        ...["install", "--service", "portcullis", "--namespace", "gate"],
        ...["--ca-bundle", join(certs.dir, "ca.crt"), "--api-server-config", out],
        ...["--client-cert", join(certs.dir, "client.crt"), "--client-key", join(certs.dir, "client.key")],
        ...[
          "--token-file",
          join(certs.dir, "token"),
          "--kubeconfig-path",
          "/etc/kubernetes/pc/kubeconfig.yaml",
        ],
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("kind: ValidatingWebhookConfiguration");
      expect(r.stderr).toContain("--admission-control-config-file");
      const admission = parse(readFileSync(join(out, "admission-configuration.yaml"), "utf8"));
      expect(admission.kind).toBe("AdmissionConfiguration");
      expect(admission.plugins[0].configuration.kubeConfigFile).toBe("/etc/kubernetes/pc/kubeconfig.yaml");
      const kubeconfig = parse(readFileSync(join(out, "webhook-kubeconfig.yaml"), "utf8"));
      expect(kubeconfig.users[0].name).toBe("portcullis.gate.svc:8443");
      const user = kubeconfig.users[0].user;
      expect(Buffer.from(user["client-certificate-data"], "base64").toString()).toBe(certs.clientCert);
      expect(Buffer.from(user["client-key-data"], "base64").toString()).toBe(certs.clientKey);
      expect(user.token).toBe("tok-123");
      expect(statSync(join(out, "webhook-kubeconfig.yaml")).mode & 0o777).toBe(0o600);
    },
  );

  it("install refuses credentials without --api-server-config", async () => {
    await expect(
      run([
        "install",
        "--service",
        "s",
        "--namespace",
        "n",
        "--ca-bundle",
        "/nonexistent",
        "--token-file",
        "t",
      ]),
    ).rejects.toThrow(/need --api-server-config/);
  });

  it.each([
    [["--failure-policy", "Sometimes"], /Fail or Ignore/],
    [["--timeout", "45s"], /1s to 30s/],
  ])("install rejects %j", async (extra, message) => {
    await expect(
      run(["install", "--service", "s", "--namespace", "n", "--ca-bundle", "/nonexistent", ...extra]),
    ).rejects.toThrow(message);
  });
});
