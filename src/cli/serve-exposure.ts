import { isLoopback, type ResolvedConfig } from "../app/index.js";

/**
 * Who may reach `serve`, decided before anything is opened. On loopback anything goes: only this
 * machine can connect. Beyond it, requests must be authenticated (`auth.mode: accounts`), and the
 * passwords and tokens that authenticate them must not cross the network in clear (TLS). Each way
 * around that is a flag of its own that says what it gives up, so neither is passed by accident:
 * `--insecure-public` serves anonymous access to the network (a lab, a throwaway mirror), and
 * `--insecure-http` serves accounts over plain HTTP (behind a proxy that terminates TLS).
 */
export type Exposure =
  | { readonly allowed: true; readonly warning?: string }
  | { readonly allowed: false; readonly reason: string };

export function exposureOf(config: ResolvedConfig): Exposure {
  const { host, insecurePublic, insecureHttp } = config.server;
  if (isLoopback(host)) return { allowed: true };
  if (config.auth.mode === "anonymous") {
    if (insecurePublic) {
      return {
        allowed: true,
        warning: `listening on ${host} with anonymous access (--insecure-public): anyone who can reach the port may push and delete`,
      };
    }
    return {
      allowed: false,
      reason:
        `refusing to listen on ${host}: auth.mode is anonymous, so anyone who can reach the port could push and delete. ` +
        "Listen on 127.0.0.1; or set auth.mode: accounts (PORTCULLIS_AUTH_MODE=accounts) and serve HTTPS with " +
        "--tls-cert FILE --tls-key FILE; or pass --insecure-public if anonymous access from the network is what you want.",
    };
  }
  if (config.tls !== undefined) return { allowed: true };
  if (insecureHttp) {
    return {
      allowed: true,
      warning:
        `listening on ${host} over plain HTTP (--insecure-http): passwords and tokens cross the network in clear ` +
        "unless a proxy in front terminates TLS",
    };
  }
  return {
    allowed: false,
    reason:
      `refusing to listen on ${host} over plain HTTP: passwords and tokens would cross the network in clear. ` +
      "Serve HTTPS with --tls-cert FILE --tls-key FILE (server.tlsCert, server.tlsKey), or pass --insecure-http " +
      "if a proxy in front terminates TLS.",
  };
}
