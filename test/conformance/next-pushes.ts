import { expect } from "vitest";
import { digestOf } from "../../src/server/testing.js";
import { type Blob, fixedBytes } from "./fixtures.js";
import { type ConformanceEnv, location, type Reply, send } from "./http.js";

/**
 * The blob pushes of the suite's development version (api.go at HEAD): each sends a blob one way and
 * checks every status on the way; `bad` pushes content that does not match the digest, which must
 * end in 400 at the request that closes the upload.
 */

export type Algorithm = "sha256" | "sha512";

/** The suite's smallest chunk (chunkMin): multi-chunk blobs span three of them. */
export const CHUNK_MIN = 1024;
const OCTETS = { "Content-Type": "application/octet-stream" };

export function nextBlob(label: string, size: number, algorithm: Algorithm): Blob {
  const content = fixedBytes(label, size);
  return { content, digest: digestOf(content, algorithm) };
}

/** The same digest with five more bytes in the content ("oh no" in the suite). */
export function corrupted(blob: Blob): Blob {
  return { content: Buffer.concat([blob.content, Buffer.from("oh no")]), digest: blob.digest };
}

/** After a push, the Location must serve the blob (the suite's BlobVerifyLocation). */
async function expectCreated(env: ConformanceEnv, res: Reply, blob: Blob): Promise<void> {
  expect(res.status, res.body.toString()).toBe(201);
  expect(res.headers.get("docker-content-digest")).toBe(blob.digest);
  const stored = await send(env, "GET", location(res));
  expect(stored.status).toBe(200);
  expect(stored.body.equals(blob.content)).toBe(true);
}

export async function postOnly(env: ConformanceEnv, repo: string, blob: Blob, bad = false): Promise<void> {
  const res = await send(env, "POST", `/v2/${repo}/blobs/uploads/`, {
    query: { digest: blob.digest },
    headers: OCTETS,
    body: blob.content,
  });
  // The suite falls back to POST+PUT on 202; Portcullis takes the body in the POST.
  if (bad) expect(res.status).toBe(400);
  else await expectCreated(env, res, blob);
}

export async function postPut(env: ConformanceEnv, repo: string, blob: Blob, bad = false): Promise<void> {
  const session = await send(env, "POST", `/v2/${repo}/blobs/uploads/`);
  expect(session.status).toBe(202);
  const res = await send(env, "PUT", location(session), {
    query: { digest: blob.digest },
    headers: OCTETS,
    body: blob.content,
  });
  if (bad) expect(res.status).toBe(400);
  else await expectCreated(env, res, blob);
}

export async function stream(env: ConformanceEnv, repo: string, blob: Blob, bad = false): Promise<void> {
  const session = await send(env, "POST", `/v2/${repo}/blobs/uploads/`, {
    headers: { "Content-Length": "0" },
  });
  expect(session.status).toBe(202);
  const patched = await send(env, "PATCH", location(session), { headers: OCTETS, body: blob.content });
  expect(patched.status).toBe(202);
  const res = await send(env, "PUT", location(patched), {
    query: { digest: blob.digest },
    headers: { ...OCTETS, "Content-Length": "0" },
  });
  if (bad) expect(res.status).toBe(400);
  else await expectCreated(env, res, blob);
}

export interface ChunkedOptions {
  /** Send the last chunk with the closing PUT instead of a PATCH. */
  readonly putLast?: boolean;
  /** Before each chunk, send one that skips ahead (or back to 0): 416, then GET the upload to resume. */
  readonly outOfOrder?: boolean;
  readonly bad?: boolean;
}

/** A chunked push in `Content-Range` chunks of a third of the blob, at least CHUNK_MIN bytes. */
export async function chunked(
  env: ConformanceEnv,
  repo: string,
  blob: Blob,
  options: ChunkedOptions = {},
): Promise<void> {
  const size = blob.content.length;
  const session = await send(env, "POST", `/v2/${repo}/blobs/uploads/`, {
    headers: { "Content-Length": "0" },
  });
  expect(session.status).toBe(202);
  expect(session.headers.get("oci-chunk-min-length")).toBeNull();
  const chunkSize = Math.min(Math.max(Math.floor(size / 3) + 1, CHUNK_MIN), size);
  let at = location(session);
  let lastByte = -1;
  const chunkRequest = (start: number, end: number) => ({
    headers: { ...OCTETS, "Content-Range": `${start}-${end}` },
    body: blob.content.subarray(start, end + 1),
  });
  const closing = (path: string) => {
    const target = new URL(path, env.url);
    target.searchParams.set("digest", blob.digest);
    return `${target.pathname}${target.search}`;
  };
  let closed: Reply | undefined;
  while (lastByte < size - 1) {
    if (options.outOfOrder) {
      let badStart = lastByte + 1 + chunkSize;
      if (badStart >= size) badStart = 0;
      const badEnd = Math.min(badStart + chunkSize - 1, size - 1);
      const viaPut = options.putLast && badEnd === size - 1;
      const refused = await send(
        env,
        viaPut ? "PUT" : "PATCH",
        viaPut ? closing(at) : at,
        chunkRequest(badStart, badEnd),
      );
      expect(refused.status, `out-of-order ${viaPut ? "PUT" : "PATCH"} ${badStart}-${badEnd}`).toBe(416);
      const status = await send(env, "GET", at);
      expect(status.status).toBe(204);
      at = location(status);
      const range = status.headers.get("range") ?? "";
      expect(range.startsWith("0-")).toBe(true);
      if (lastByte >= 0) expect(range).toBe(`0-${lastByte}`);
    }
    const start = lastByte + 1;
    lastByte = Math.min(start + chunkSize - 1, size - 1);
    if (options.putLast && lastByte === size - 1) {
      closed = await send(env, "PUT", closing(at), chunkRequest(start, lastByte));
    } else {
      const res = await send(env, "PATCH", at, chunkRequest(start, lastByte));
      expect(res.status, `PATCH ${start}-${lastByte}`).toBe(202);
      at = location(res);
    }
  }
  closed ??= await send(env, "PUT", closing(at), { headers: { ...OCTETS, "Content-Length": "0" } });
  if (options.bad) expect(closed.status).toBe(400);
  else await expectCreated(env, closed, blob);
}

/** POST ?mount= (&from= unless omitted): 201, or 202 and an ordinary upload to finish (the suite's fallback). */
export async function mount(
  env: ConformanceEnv,
  repo: string,
  blob: Blob,
  from: string | undefined,
): Promise<number> {
  const query: Record<string, string> = { mount: blob.digest };
  if (from !== undefined) query.from = from;
  const res = await send(env, "POST", `/v2/${repo}/blobs/uploads/`, { query });
  expect([201, 202]).toContain(res.status);
  if (res.status === 201) {
    await expectCreated(env, res, blob);
    return 201;
  }
  const put = await send(env, "PUT", location(res), {
    query: { digest: blob.digest },
    headers: OCTETS,
    body: blob.content,
  });
  await expectCreated(env, put, blob);
  return 202;
}
