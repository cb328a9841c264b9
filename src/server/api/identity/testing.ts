/**
 * Test helpers for the accounts API: JSON requests with Basic credentials against a test server.
 * Not built into dist/ (testing.ts).
 */

export interface Caller {
  readonly name: string;
  readonly secret: string;
}

export interface Answer {
  readonly status: number;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers of many shapes
  readonly body: any;
  readonly headers: Headers;
}

export function basic(caller: Caller): string {
  return `Basic ${Buffer.from(`${caller.name}:${caller.secret}`).toString("base64")}`;
}

/** One request: a JSON body when given, Basic credentials when a caller is given. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { as?: Caller; body?: unknown; rawBody?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.as) headers.authorization = basic(options.as);
  let body: string | undefined;
  if (options.body !== undefined || options.rawBody !== undefined) {
    headers["content-type"] = "application/json";
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  const res = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed, headers: res.headers };
}

/** A client bound to one server and caller. */
export function client(url: string, as?: Caller) {
  const go = (method: string) => (path: string, body?: unknown) =>
    call(url, method, path, { ...(as ? { as } : {}), ...(body === undefined ? {} : { body }) });
  return { get: go("GET"), post: go("POST"), put: go("PUT"), patch: go("PATCH"), delete: go("DELETE") };
}
