import { writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate, peerFingerprint, replaceFile } from "../support/certificates.js";
import { unavailable } from "../support/requirements.js";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  type ReviewResponseBody,
  SERVER_NAME,
  serveArgs,
  startAdmissionServe,
  type TestCerts,
} from "./support.js";

/**
 * `admission serve` follows its serving certificate as cert-manager renews the Secret under it: new
 * connections get the new certificate, with no restart, and callers still authenticate by their client
 * certificate afterwards (a reload that dropped the client CA would check them against the default roots).
 */
describe.skipIf(unavailable("openssl", hasOpenssl()))("admission serve reloads its certificate", () => {
  let certs: TestCerts;
  let stop: (() => void) | undefined;

  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => {
    stop?.();
    certs?.cleanup();
  });

  /**
   * POST /validate on a connection of its own (agent: false): a kept-alive connection from before the
   * renewal would still be on the old context, and prove nothing about the new one.
   */
  function validate(port: number, body: string, client?: { cert: string; key: string }) {
    return new Promise<{ status: number; allowed?: boolean }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/validate",
          method: "POST",
          agent: false,
          ca: certs.ca,
          servername: SERVER_NAME,
          ...client,
          headers: { "content-type": "application/json" },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            resolve(
              status === 200
                ? { status, allowed: (JSON.parse(text) as ReviewResponseBody).response.allowed }
                : { status },
            );
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  it("serves the renewed certificate to new connections and keeps authenticating client certificates", async () => {
    const policy = join(certs.dir, "policy.yaml");
    writeFileSync(
      policy,
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule: { evaluationMode: always-allow }\n",
    );
    const started = await startAdmissionServe(
      serveArgs(certs, policy, "--policy-reload", "100ms", "--client-ca", join(certs.dir, "ca.crt")),
    );
    stop = () => started.child.kill("SIGKILL");
    const { port, lines } = started;
    const review = JSON.stringify(podReview(["registry.example.com/team/app:1"]));
    const asClient = { cert: certs.clientCert, key: certs.clientKey };
    const before = await peerFingerprint(port, certs.ca, SERVER_NAME);
    expect(await validate(port, review, asClient)).toEqual({ status: 200, allowed: true });

    const renewed = issueCertificate(
      { cert: join(certs.dir, "ca.crt"), key: join(certs.dir, "ca.key") },
      certs.dir,
      "renewed",
      { dnsNames: [SERVER_NAME] },
    );
    expect(renewed.fingerprint).not.toBe(before);
    replaceFile(renewed.cert, join(certs.dir, "tls.crt"));
    replaceFile(renewed.key, join(certs.dir, "tls.key"));
    const until = Date.now() + 10_000;
    while (!lines.some((l) => l.includes("TLS certificate reloaded"))) {
      if (Date.now() > until) throw new Error(`no reload line:\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await peerFingerprint(port, certs.ca, SERVER_NAME)).toBe(renewed.fingerprint);

    expect(await validate(port, review, asClient)).toEqual({ status: 200, allowed: true });
    expect(await validate(port, review)).toEqual({ status: 401 });
  }, 60_000);
});
