import { createHash, timingSafeEqual } from "node:crypto";
import type { TLSSocket } from "node:tls";

/**
 * Who may send the webhook reviews. The API server authenticates to a webhook with what the kubeconfig
 * named by its AdmissionConfiguration gives it (WebhookAdmissionConfiguration `kubeConfigFile`): a client
 * certificate (client-certificate-data) or a bearer token (token); see "Authenticate API servers" in
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/.
 * Either one configured here is enough; with neither, any caller is answered but nothing is recorded.
 */
export interface AdmissionAuthentication {
  /** PEM CA certificate(s) a caller's client certificate must chain to (`--client-ca`). */
  readonly clientCa?: string | Buffer;
  /** The bearer token a caller must send (`--token-file`). Compared in constant time, never logged. */
  readonly token?: string;
}

/** How the caller of one review was authenticated. */
export type AdmissionCaller =
  | { readonly method: "mtls"; readonly subject: string }
  | { readonly method: "token" }
  | { readonly method: "none" };

/** The audit log's `caller` value: `mtls:<certificate subject CN>`, `token` or `none`. */
export function callerLabel(caller: AdmissionCaller): string {
  return caller.method === "mtls" ? `mtls:${caller.subject}` : caller.method;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** Whether `given` is `expected`, in time that does not depend on where they differ (or their lengths). */
function sameToken(given: string, expected: Buffer): boolean {
  return timingSafeEqual(sha256(given), expected);
}

export type Authenticate = (
  socket: TLSSocket,
  authorization: string | undefined,
) => AdmissionCaller | { readonly refused: string };

/**
 * The check each review passes before its body is read. A verified client certificate (the TLS server
 * asks for one and checks it against `clientCa`, but lets the connection through without one so
 * /healthz stays reachable for probes) or the bearer token authenticates; anything else is refused.
 */
export function authenticator(auth: AdmissionAuthentication): Authenticate {
  const token = auth.token === undefined ? undefined : sha256(auth.token);
  const mtls = auth.clientCa !== undefined;
  if (!mtls && token === undefined) return () => ({ method: "none" });
  const wanted = [
    mtls ? "a client certificate signed by the --client-ca" : "",
    token ? "the bearer token" : "",
  ]
    .filter((w) => w !== "")
    .join(" or ");
  return (socket, authorization) => {
    if (mtls && socket.authorized) {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      const subject = Array.isArray(cn) ? cn.join(",") : (cn ?? "");
      return { method: "mtls", subject: subject.slice(0, 253) };
    }
    if (token !== undefined && authorization !== undefined) {
      const m = /^Bearer (.+)$/i.exec(authorization.trim());
      if (m && sameToken(m[1]!, token)) return { method: "token" };
    }
    return { refused: `unauthenticated: the webhook accepts reviews only with ${wanted}` };
  };
}
