import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewOf } from "../../src/admission/testing.js";
import { resolveConfig } from "../../src/app/index.js";
import { AuditLog } from "../../src/audit/index.js";
import { type Database, openDatabase } from "../../src/storage/index.js";
import { unavailable } from "../support/requirements.js";
import { PORTCULLIS_BIN, run } from "../support/targets.js";
import {
  type CallerCredentials,
  hasOpenssl,
  makeCerts,
  post,
  type ReviewResponseBody,
  serveArgs,
  startAdmissionServe,
  TESTDATA,
  type TestCerts,
} from "./support.js";

/**
 * issue 11, item 7: `admission serve` took reviews from anyone who could reach it and recorded them,
 * so a forged review wrote `system:admin payments-prod/Pod/...` into the tamper-evident log. Here the
 * real binary runs with --client-ca and --token-file over a data folder: a review without a client
 * certificate, with one from another CA, or with a wrong token is refused (401) and not recorded; the
 * API server's client certificate (from `admission certs`) or the token is decided and recorded with
 * how the caller was authenticated. Without either flag the webhook answers but records nothing.
 */
const DIGEST = `sha256:${"ab".repeat(32)}`;
const TOKEN = "s3cret-webhook-token-1234";
const POLICY = join(TESTDATA, "require-digest.yaml");

/** The forged review of the issue: system:admin creating a pod in payments-prod. */
function forged(name: string): string {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "payments-prod" },
    spec: { containers: [{ name: "app", image: `registry.test/team/app@${DIGEST}` }] },
  };
  const review = reviewOf(pod, { namespace: "payments-prod" }) as { request: Record<string, unknown> };
  review.request.userInfo = { username: "system:admin", groups: ["system:masters"] };
  return JSON.stringify(review);
}

describe.skipIf(unavailable("openssl", hasOpenssl()))("admission serve authenticates its callers", () => {
  let certs: TestCerts;
  let other: TestCerts;
  let child: ChildProcess;
  let port = 0;
  let lines: string[] = [];
  let dataDir = "";
  let database: Database;

  beforeAll(async () => {
    certs = makeCerts();
    // A second CA with its own client certificate: a caller the webhook must not trust.
    other = makeCerts();
    dataDir = mkdtempSync(join(tmpdir(), "portcullis-admission-auth-"));
    writeFileSync(join(dataDir, "token"), `${TOKEN}\n`);
    const args = serveArgs(certs, POLICY, "--data", dataDir, "--client-ca", join(certs.dir, "ca.crt"));
    ({ child, port, lines } = await startAdmissionServe([...args, "--token-file", join(dataDir, "token")]));
    database = await openDatabase(resolveConfig({ flags: { "storage.dataDir": dataDir } }).database.url);
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await database?.close();
    certs?.cleanup();
    other?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const send = (name: string, credentials: CallerCredentials) =>
    post(port, "/validate", forged(name), certs.ca, "application/json", credentials);
  const recorded = async () => new AuditLog(database).list({ gate: "admission" });

  it.each<[string, () => CallerCredentials]>([
    ["no client certificate and no token", () => ({})],
    ["a client certificate from another CA", () => ({ cert: other.clientCert, key: other.clientKey })],
    ["the serving certificate of another CA", () => ({ cert: other.cert, key: other.key })],
    ["a wrong token", () => ({ headers: { authorization: "Bearer s3cret-webhook-token-1235" } })],
    ["the token without Bearer", () => ({ headers: { authorization: TOKEN } })],
  ])("refuses %s with 401 and records nothing", async (_name, credentials) => {
    const reply = await send("forged", credentials());
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 401, message: expect.stringContaining("unauthenticated") });
    expect(await recorded()).toEqual([]);
  });

  it("answers /healthz without authentication (probes)", async () => {
    expect((await post(port, "/healthz", "", certs.ca)).status).toBe(200);
  });

  it("decides and records a review from the API server's client certificate, naming its CN", async () => {
    const reply = await send("by-mtls", { cert: certs.clientCert, key: certs.clientKey });
    expect(reply.status).toBe(200);
    expect((reply.body as ReviewResponseBody).response.allowed).toBe(true);
    const entries = await recorded();
    expect(entries.find((e) => e.workload === "Pod/by-mtls")).toMatchObject({
      actor: "system:admin",
      namespace: "payments-prod",
      caller: "mtls:kube-apiserver",
    });
  });

  it("decides and records a review with the bearer token, as token", async () => {
    const reply = await send("by-token", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(reply.status).toBe(200);
    const entries = await recorded();
    expect(entries.map((e) => [e.workload, e.caller])).toEqual([
      ["Pod/by-mtls", "mtls:kube-apiserver"],
      ["Pod/by-token", "token"],
    ]);
    expect((await new AuditLog(database).verifyChain()).ok).toBe(true);
  });

  it("never logs the token; logs how each caller was authenticated", async () => {
    // The review log line reaches our pipe after the answer: wait for it, not for time.
    for (let i = 0; i < 200 && !lines.join("\n").includes('"caller":"token"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const log = lines.join("\n");
    expect(log).not.toContain(TOKEN);
    expect(log).toContain('"caller":"mtls:kube-apiserver"');
    expect(log).toContain('"caller":"token"');
    expect(log).not.toContain("no --client-ca or --token-file");
  });

  it("audit decisions shows the caller", async () => {
    const result = await run(
      process.execPath,
      [PORTCULLIS_BIN, "audit", "decisions", "--data", dataDir, "-o", "json", "--verify"],
      { allowFailure: true },
    );
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as {
      decisions: Array<{ caller?: string }>;
      chain: { ok: boolean };
    };
    expect(parsed.decisions.map((d) => d.caller)).toEqual(["mtls:kube-apiserver", "token"]);
    expect(parsed.chain.ok).toBe(true);
  });
});

describe.skipIf(unavailable("openssl", hasOpenssl()))(
  "admission serve without --client-ca or --token-file",
  () => {
    let certs: TestCerts;
    let child: ChildProcess;
    let port = 0;
    let lines: string[] = [];
    let dataDir = "";

    beforeAll(async () => {
      certs = makeCerts();
      dataDir = mkdtempSync(join(tmpdir(), "portcullis-admission-noauth-"));
      ({ child, port, lines } = await startAdmissionServe(serveArgs(certs, POLICY, "--data", dataDir)));
    });
    afterAll(() => {
      child?.kill("SIGKILL");
      certs?.cleanup();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it("warns at start, answers a review, and records nothing", async () => {
      expect(lines.join("\n")).toContain("no --client-ca or --token-file");
      const reply = await post(port, "/validate", forged("anyone"), certs.ca);
      expect(reply.status).toBe(200);
      expect((reply.body as ReviewResponseBody).response.allowed).toBe(true);
      const database = await openDatabase(
        resolveConfig({ flags: { "storage.dataDir": dataDir } }).database.url,
      );
      try {
        expect(await new AuditLog(database).list()).toEqual([]);
      } finally {
        await database.close();
      }
    });
  },
);
