import { useCallback, useEffect, useRef, useState } from "react";
import { type EarlyAnswer, READ_HEADERS, takeEarly, takeSettled } from "./early";

/**
 * The console's one door to the server: the public /api/v1 (and /auth/ for signing in), JSON in and
 * out, the browser's session cookie. Every write carries `X-Portcullis-CSRF: 1`: the server counts a
 * session cookie on a write only with that header, which another site's page cannot send without a
 * CORS preflight the server refuses.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The error a failed answer means: the API's error shape when it is one, the status otherwise. */
export function errorOf(answer: EarlyAnswer): ApiError {
  let code = `HTTP_${answer.status}`;
  let message = `${answer.status} ${answer.statusText}`.trim();
  // Not the error shape (a proxy's page): the status says enough.
  const first = (answer.body as { errors?: { code?: unknown; message?: unknown }[] } | undefined)
    ?.errors?.[0];
  if (first && typeof first.code === "string") code = first.code;
  if (first && typeof first.message === "string") message = first.message;
  return new ApiError(answer.status, code, message);
}

async function failure(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  return errorOf({ status: response.status, statusText: response.statusText, body });
}

const isOk = (answer: EarlyAnswer) => answer.status >= 200 && answer.status <= 299;

/**
 * An answer the early start script already holds for `path` (early.ts), taken: a value, or the error
 * it means. undefined when there is none in hand.
 */
export function takeSettledAnswer<T>(path: string): PromiseSettledResult<T> | undefined {
  const answer = takeSettled(path);
  if (!answer) return undefined;
  return isOk(answer)
    ? { status: "fulfilled", value: answer.body as T }
    : { status: "rejected", reason: errorOf(answer) };
}

export async function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  const early = takeEarly(path);
  if (early) {
    const answer = await early;
    if (!isOk(answer)) throw errorOf(answer);
    return answer.body as T;
  }
  const response = await fetch(path, {
    // On reads too: it tells the server to challenge a signed-out console with `Session`, not Basic
    // (which would open the browser's own password dialog).
    headers: READ_HEADERS,
    credentials: "same-origin",
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export async function apiSend<T>(
  method: "POST" | "DELETE" | "PUT" | "PATCH",
  path: string,
  body?: unknown,
): Promise<T | undefined> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      "X-Portcullis-CSRF": "1",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return undefined;
  const text = await response.text();
  return text ? (JSON.parse(text) as T) : undefined;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | Error | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/**
 * GETs `path` (null: nothing yet) and follows it: a new path aborts the previous request, so a fast
 * typist's older answers never overwrite newer ones.
 */
type ApiState<T> = { path: string | null; data?: T; error?: Error };

function stateOf<T>(path: string, result: PromiseSettledResult<T>, shape?: (value: unknown) => boolean) {
  if (result.status === "rejected") {
    const error: unknown = result.reason;
    return { path, error: error instanceof Error ? error : new Error(String(error)) };
  }
  if (shape && !shape(result.value)) {
    const message = `the server answered ${path} in a shape this console does not know`;
    return { path, error: new ApiError(502, "UNEXPECTED_SHAPE", message) };
  }
  return { path, data: result.value };
}

export function useApi<T>(path: string | null, shape?: (value: unknown) => boolean): Loaded<T> {
  // An answer the early start script already holds is used in the first render: no extra commit.
  const [state, setState] = useState<ApiState<T>>(() => {
    const early = path === null ? undefined : takeSettledAnswer<T>(path);
    return path !== null && early ? stateOf(path, early, shape) : { path: null };
  });
  const fromEarly = useRef(state.path);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: generation forces a reload of the same path
  useEffect(() => {
    if (path === null) return;
    if (fromEarly.current === path && generation === 0) {
      fromEarly.current = null;
      return;
    }
    const controller = new AbortController();
    apiGet<T>(path, controller.signal).then(
      (data) =>
        !controller.signal.aborted && setState(stateOf(path, { status: "fulfilled", value: data }, shape)),
      (reason: unknown) =>
        !controller.signal.aborted && setState(stateOf(path, { status: "rejected", reason })),
    );
    return () => controller.abort();
  }, [path, generation]);
  const current = state.path === path;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: path !== null && (!current || (state.data === undefined && state.error === undefined)),
    reload,
  };
}

/** A paged answer: `{ total, page, perPage, items: [] }`. */
export function isPaged(value: unknown): boolean {
  const v = value as { total?: unknown; page?: unknown; perPage?: unknown; items?: unknown } | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.total === "number" &&
    typeof v.page === "number" &&
    typeof v.perPage === "number" &&
    Array.isArray(v.items)
  );
}

/** `/api/v1/repositories/{name}` with each component of the name percent-encoded. */
export function repositoryApi(name: string): string {
  return `/api/v1/repositories/${name.split("/").map(encodeURIComponent).join("/")}`;
}

export function manifestApi(name: string, digest: string): string {
  return `${repositoryApi(name)}/manifests/${encodeURIComponent(digest).replace("%3A", ":")}`;
}
