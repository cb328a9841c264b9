/** Sent on every /v2/ response (distribution spec: clients use it to recognise a registry). */
export const API_VERSION_HEADER = { "Docker-Distribution-API-Version": "registry/2.0" } as const;

/**
 * Sent on every response. This server answers JSON, manifests and blobs, never a page, so a browser
 * that opens one of its URLs must not sniff a blob into HTML (`nosniff`), run or load anything from it
 * (`default-src 'none'`), frame it (`frame-ancestors 'none'`, and `X-Frame-Options` for browsers
 * without CSP level 2), or tell the next site the URL it came from, which can name repositories
 * (`no-referrer`). OWASP's REST Security Cheat Sheet, "Security headers", lists these for APIs.
 * The console's pages get `CONSOLE_HEADERS` instead (console/routes.ts).
 */
export const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
} as const;

/**
 * The console's page and assets (src/server/console/): the same headers, with a CSP that lets the page
 * load its own scripts, style sheet and icon and call this server, and nothing else: no inline script
 * or style element, no other origin, no plugin, no <base>, forms only to this server, never framed.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
  "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Over TLS only: RFC 6797 §7.2 forbids sending it over plain HTTP (and browsers ignore it there). No
 * `includeSubDomains`: other hosts under the registry's domain are not ours to bind to HTTPS.
 */
export const HSTS_HEADER = { "Strict-Transport-Security": "max-age=31536000" } as const;

/**
 * On responses that carry tokens or credentials, or data only the caller may see: no cache, shared or
 * private, may keep them. RFC 6749 §5.1 asks the same of token responses, `Pragma` included for HTTP/1.0
 * caches.
 */
export const NO_STORE_HEADERS = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

type Headers = Readonly<Record<string, string>>;

const PLAIN: Headers = Object.freeze({ ...SECURITY_HEADERS });
const PLAIN_PRIVATE: Headers = Object.freeze({ ...SECURITY_HEADERS, ...NO_STORE_HEADERS });
const SECURE: Headers = Object.freeze({ ...SECURITY_HEADERS, ...HSTS_HEADER });
const SECURE_PRIVATE: Headers = Object.freeze({ ...SECURITY_HEADERS, ...HSTS_HEADER, ...NO_STORE_HEADERS });

/**
 * Whether a path's responses may carry tokens or credentials: the token endpoint (`/token`, not its
 * public key set) and the management API, which answers per caller (and, in accounts mode, hands out
 * robot secrets and API tokens).
 */
export function carriesCredentials(path: string): boolean {
  return path === "/token" || path.startsWith("/api/");
}

/** The headers every response to `url` gets (one of four frozen objects: nothing is built per request). */
export function securityHeadersFor(url: string, tls: boolean): Headers {
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  const noStore = carriesCredentials(path);
  return tls ? (noStore ? SECURE_PRIVATE : SECURE) : noStore ? PLAIN_PRIVATE : PLAIN;
}
