import { expect } from "vitest";
import type { Blob } from "./fixtures.js";

/** What every workflow reads: the server (set once it listens) and the repositories the suite uses. */
export interface ConformanceEnv {
  url: string;
  /** The suite's OCI_NAMESPACE: every workflow works in this one repository, in order. */
  readonly name: string;
  /** The suite's OCI_CROSSMOUNT_NAMESPACE: the target of the cross-repository mount checks. */
  readonly crossmount: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  readonly query?: Record<string, string>;
}

/**
 * One request as the suite's client sends it: `path` is `/v2/...` (with `<name>` standing for the
 * namespace, as in the suite) or a Location the server returned, absolute or relative.
 */
export async function send(
  env: ConformanceEnv,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Reply> {
  const target = new URL(path.replace("<name>", env.name), env.url);
  for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.append(key, value);
  const res = await fetch(target, {
    method,
    headers: options.headers,
    body: options.body === undefined ? undefined : Buffer.from(options.body),
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The suite's "Populate registry with ..." step: POST a session, then PUT the blob with `?digest=`. */
export async function pushThroughSession(env: ConformanceEnv, blob: Blob, name = env.name): Promise<Reply> {
  const session = await send(env, "POST", `/v2/${name}/blobs/uploads/`);
  expect(session.status).toBe(202);
  return send(env, "PUT", location(session), {
    query: { digest: blob.digest },
    headers: { "Content-Type": "application/octet-stream" },
    body: blob.content,
  });
}

export function putManifestAt(env: ConformanceEnv, reference: string, manifest: Blob, contentType: string) {
  return send(env, "PUT", `/v2/<name>/manifests/${reference}`, {
    headers: { "Content-Type": contentType },
    body: manifest.content,
  });
}

/** The Location header, which the suite requires wherever it reads one. */
export function location(reply: Reply): string {
  const value = reply.headers.get("location");
  expect(value, "Location header").toBeTruthy();
  return value!;
}

/** Location as a path, whether the server sent it absolute or relative (reggie's GetRelativeLocation). */
export function relativeLocation(env: ConformanceEnv, reply: Reply): string {
  const target = new URL(location(reply), env.url);
  return `${target.pathname}${target.search}`;
}

export function expect2xx(reply: Reply): void {
  expect(reply.status, reply.body.toString("utf8").slice(0, 300)).toBeGreaterThanOrEqual(200);
  expect(reply.status, reply.body.toString("utf8").slice(0, 300)).toBeLessThan(300);
}

/** A teardown DELETE: the suite accepts any 2xx, and also each status listed. */
export function expect2xxOr(reply: Reply, ...statuses: number[]): void {
  if (statuses.includes(reply.status)) return;
  expect2xx(reply);
}

/** The `errors` array of an OCI error body (spec.md, "Error Codes"). */
export function errorCodes(reply: Reply): string[] {
  const body = JSON.parse(reply.body.toString("utf8")) as { errors?: Array<{ code?: unknown }> };
  expect(Array.isArray(body.errors)).toBe(true);
  return (body.errors ?? []).map((e) => String(e.code));
}

export function tagsOf(reply: Reply): string[] {
  const body = JSON.parse(reply.body.toString("utf8")) as { tags?: string[] | null };
  return body.tags ?? [];
}
