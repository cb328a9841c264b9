/**
 * WWW-Authenticate challenges (RFC 7235 section 4.1) as registries send them: `Basic realm="..."`
 * or, for the Docker token flow (distribution docs/spec/auth/token.md), `Bearer realm="https://auth",
 * service="registry",scope="repository:x:pull"`. Only the first challenge is read.
 */
export interface Challenge {
  scheme: "basic" | "bearer" | "other";
  params: Record<string, string>;
}

export function parseChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  const match = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s*(.*)$/s.exec(header);
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase();
  const params: Record<string, string> = {};
  const pair = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = match[2] ?? "";
  pair.lastIndex = 0;
  for (let m = pair.exec(rest); m !== null && m[0] !== ""; m = pair.exec(rest)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
  }
  return { scheme: scheme === "basic" ? "basic" : scheme === "bearer" ? "bearer" : "other", params };
}
