/**
 * Certificates for TLS tests, made by openssl at run time (no private key is committed for these): a
 * CA, and serving certificates it signs for localhost and 127.0.0.1, so a client can verify the server
 * as it would in production (name and chain), not with verification turned off.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { unavailable } from "./requirements.js";

export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** For `describe.skipIf(...)`: skips locally without openssl, fails with CI set. */
export function opensslUnavailable(): boolean {
  return unavailable("openssl", hasOpenssl());
}

export interface TestCa {
  readonly cert: string;
  readonly key: string;
  /** The CA certificate's PEM text, for a client's `ca`. */
  readonly pem: string;
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A self-signed EC P-256 CA in `dir` (`<name>.crt`, `<name>.key`). */
export function makeCa(dir: string, name = "ca"): TestCa {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl([
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", key, "-out", cert, "-subj", `/CN=Portcullis test ${name}`, "-days", "2"],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ]);
  return { cert, key, pem: readFileSync(cert, "utf8") };
}

export interface IssuedCertificate {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint, as a TLS peer certificate's `fingerprint256` reports it. */
  readonly fingerprint: string;
}

/**
 * A certificate signed by `ca` in `dir` (`<name>.crt`, `<name>.key`): for a server (`dnsNames`, by
 * default localhost, and 127.0.0.1 and `ipAddresses` as subject alternative names) or, with `client`, for TLS client
 * authentication.
 */
export function issueCertificate(
  ca: Pick<TestCa, "cert" | "key">,
  dir: string,
  name: string,
  options: { client?: boolean; dnsNames?: readonly string[]; ipAddresses?: readonly string[] } = {},
): IssuedCertificate {
  const names = [
    ...(options.dnsNames ?? ["localhost"]).map((n) => `DNS:${n}`),
    ...["127.0.0.1", ...(options.ipAddresses ?? [])].map((ip) => `IP:${ip}`),
  ].join(",");
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    options.client
      ? "extendedKeyUsage=clientAuth\n"
      : `subjectAltName=${names}\nextendedKeyUsage=serverAuth\n`,
  );
  openssl([
    ...["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", key, "-out", csr, "-subj", `/CN=${name}`],
  ]);
  openssl([
    ...["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial"],
    ...["-out", cert, "-days", "1", "-extfile", ext],
  ]);
  return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

/**
 * The SHA-256 fingerprint of the certificate a new TLS connection to 127.0.0.1:`port` is served,
 * verified against `ca` (a new connection and no session to resume, so it is what the server serves now).
 */
export function peerFingerprint(port: number, ca: string, servername = "localhost"): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca, servername }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once("error", reject);
  });
}

export interface HttpsAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The served certificate's SHA-256 fingerprint. */
  readonly fingerprint: string;
}

/** One HTTPS request on a new connection, verifying the server against `ca` (name `localhost`). */
export function httpsRequest(
  url: string,
  ca: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, servername: "localhost", agent: false, ...options }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint }));
      res.on("error", reject);
    });
    req.once("error", reject);
    req.end();
  });
}

/** Replaces `target` with `source`'s bytes in one rename, as a renewal agent or a Secret update does. */
export function replaceFile(source: string, target: string): void {
  const temp = `${target}.new`;
  writeFileSync(temp, readFileSync(source));
  renameSync(temp, target);
}
