import { execFileSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { unavailable } from "../support/requirements.js";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  post,
  type ReviewResponseBody,
  serveArgs,
  startAdmissionServe,
  type TestCerts,
} from "./support.js";

/**
 * `admission serve` follows its policy file, as a ConfigMap mount changes under it: a changed policy
 * decides the next reviews, a broken one is refused (logged) while the previous one keeps deciding,
 * and with --policy-reload 0 only SIGHUP looks. All through the real binary.
 */
const IMAGE = `registry.example.com/team/app@sha256:${"cd".repeat(32)}`;
const policyOf = (mode: string) =>
  `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule: { evaluationMode: ${mode} }\n`;
/** A policy that needs a key file: reloading it reads the key again. */
const keyedPolicyOf = (mode: string) =>
  `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  evaluationMode: ${mode}\n  require:\n    signedBy: [{ key: release.pub }]\n`;

describe.skipIf(unavailable("openssl", hasOpenssl()))("admission serve reloads its policy", () => {
  let certs: TestCerts;
  let policy: string;
  let stop: (() => void) | undefined;

  beforeAll(() => {
    certs = makeCerts();
    policy = join(certs.dir, "policy.yaml");
  });
  afterEach(() => stop?.());
  afterAll(() => certs?.cleanup());

  async function start(reload: string) {
    const started = await startAdmissionServe(serveArgs(certs, policy, "--policy-reload", reload));
    stop = () => started.child.kill("SIGKILL");
    return started;
  }

  async function allowed(port: number): Promise<boolean> {
    const reply = await post(port, "/validate", JSON.stringify(podReview([IMAGE])), certs.ca);
    return (reply.body as ReviewResponseBody).response.allowed;
  }

  /** Polls until the webhook answers `want` (a reload is asynchronous), or fails after 5 s. */
  async function eventually(port: number, want: boolean): Promise<void> {
    const until = Date.now() + 5000;
    while ((await allowed(port)) !== want) {
      if (Date.now() > until) throw new Error(`still ${!want} after 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const waitForLine = async (lines: string[], text: string) => {
    const until = Date.now() + 5000;
    while (!lines.some((l) => l.includes(text))) {
      if (Date.now() > until) throw new Error(`no log line with ${JSON.stringify(text)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const CHECKS = "portcullis_admission_policy_checks_total";

  /** A counter or gauge without labels, from the webhook's /metrics. */
  async function metric(port: number, name: string): Promise<number> {
    const text = String((await post(port, "/metrics", "", certs.ca)).body);
    return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  }

  const count = (lines: string[], text: string) => lines.filter((l) => l.includes(text)).length;

  it("decides with the changed policy, and keeps the previous one when the change is broken", async () => {
    await writeFile(policy, policyOf("always-allow"));
    const { port, lines } = await start("100ms");
    expect(await allowed(port)).toBe(true);

    await writeFile(policy, policyOf("always-deny"));
    await eventually(port, false);
    await waitForLine(lines, "policy reloaded");

    await writeFile(policy, policyOf("sometimes"));
    await waitForLine(lines, "the changed policy was refused");
    const refused = lines.filter((l) => l.includes("the changed policy was refused"));
    expect(refused[0]).toContain("policy.yaml:3");
    // Said once, not at every check: three more checks run (the counter says so), then a review is
    // answered, whose log line follows any line those checks wrote on the same pipe.
    const checked = await metric(port, CHECKS);
    await vi.waitFor(async () => expect(await metric(port, CHECKS)).toBeGreaterThanOrEqual(checked + 3), {
      timeout: 5000,
      interval: 50,
    });
    const reviewed = count(lines, "admission review");
    expect(await allowed(port)).toBe(false);
    await vi.waitFor(() => expect(count(lines, "admission review")).toBe(reviewed + 1), { timeout: 5000 });
    expect(count(lines, "the changed policy was refused")).toBe(1);

    // The metrics say the same: one reload taken, one refused, and which policy decides.
    const metrics = String((await post(port, "/metrics", "", certs.ca)).body);
    expect(metrics).toMatch(/portcullis_admission_policy_reloads_total\{result="ok"\} 1\n/);
    expect(metrics).toMatch(/portcullis_admission_policy_reloads_total\{result="error"\} 1\n/);
    expect(metrics).toMatch(/portcullis_admission_policy_info\{policy_digest="sha256:[0-9a-f]{64}"\} 1\n/);

    await writeFile(policy, policyOf("always-allow"));
    await eventually(port, true);
  }, 30_000);

  it("with --policy-reload 0, looks only on SIGHUP", async () => {
    await writeFile(policy, policyOf("always-allow"));
    const { port, child, lines } = await start("0");
    // No watcher, rather than a delay in which one did not happen to look: the webhook says how it
    // follows its policy when it starts, and nothing has looked yet.
    expect(lines.find((l) => l.includes("admission webhook is serving"))).toContain('"policyReloadMs":0');
    await writeFile(policy, policyOf("always-deny"));
    expect(await allowed(port)).toBe(true);
    expect(await metric(port, CHECKS)).toBe(0);
    child.kill("SIGHUP");
    await eventually(port, false);
    // The log line travels through a pipe and may arrive after the answer that shows the reload: wait for it.
    await waitForLine(lines, "policy reloaded");
    expect(await metric(port, CHECKS)).toBe(1);
  }, 30_000);
  it("a key file swapped for a FIFO: the reload is refused at once, the webhook keeps answering (issue 22, item 3)", async () => {
    // An EC P-256 public key, as cosign makes them.
    const key = join(certs.dir, "release.pub");
    const pem = execFileSync("sh", [
      "-c",
      "openssl ecparam -name prime256v1 -genkey -noout | openssl ec -pubout 2>/dev/null",
    ]);
    await writeFile(key, pem);
    await writeFile(policy, keyedPolicyOf("always-deny"));
    const { port, child, lines } = await start("0");
    expect(await allowed(port)).toBe(false);

    // Nothing ever writes to the FIFO: a reader that opened it blocking would hang the process for good.
    await rm(key);
    try {
      execFileSync("mkfifo", [key]);
    } catch (err) {
      throw new Error(`this test needs the mkfifo tool (coreutils): ${(err as Error).message}`);
    }
    await writeFile(policy, keyedPolicyOf("always-allow"));
    child.kill("SIGHUP");
    await waitForLine(lines, "the changed policy was refused");
    const refused = lines.find((l) => l.includes("the changed policy was refused"));
    expect(refused).toContain("is a FIFO, not a regular file");
    // Still serving, with the policy in force before the change.
    expect((await post(port, "/healthz", "", certs.ca)).status).toBe(200);
    expect(await allowed(port)).toBe(false);
  }, 30_000);
});
