import { z } from "zod";

/**
 * Small zod helpers shared by the sources' schemas: messages say what a field must be, optional fields
 * accept null as absent (Go's encoders and hand-written clients send both), and errors read as
 * "items[3].objectRef.resource: must be a string".
 */

type IssueInput = { input?: unknown };

export function expected(kind: string): (issue: IssueInput) => string {
  return (issue) => (issue.input === undefined ? "is required" : `must be ${kind}`);
}

export const str = () => z.string({ error: expected("a string") });

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object passed on unread, checked to be a JSON object but not copied key by key. */
export const object = () => z.custom<Record<string, unknown>>(isObject, { error: expected("an object") });

/** RFC 3339 date-time as Falco (nanoseconds) and Kubernetes (microseconds) write it. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

export const timestamp = () =>
  str().refine((value) => RFC3339.test(value) && Number.isFinite(Date.parse(value)), {
    message: "must be an RFC 3339 date-time",
  });

/** Epoch ms of a string `timestamp()` accepted (sub-millisecond digits are kept by the payload only). */
export function epochMs(value: string): number {
  return Date.parse(value);
}

function issuePath(path: readonly PropertyKey[], prefix: string): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(document)" : out;
}

/** `params` of a custom issue that is a bound passed rather than a wrong shape. */
export const OVER_LIMIT = { overLimit: true } as const;

/** What is wrong with one value of a bounded map: a wrong shape, or a bound passed (`overLimit`). */
export interface MapProblem {
  readonly message: string;
  readonly overLimit: boolean;
}

/**
 * A JSON object checked in one pass and passed on as it is (z.record would copy it key by key): at most
 * `max` keys (`must hold at most N <what>`, a bound), then each entry through `problem`; the first
 * problem is the issue, at its key.
 */
export function boundedMap<T extends Record<string, unknown>>(options: {
  readonly expected: string;
  readonly max: number;
  readonly what: string;
  readonly problem: (key: string, value: unknown) => MapProblem | undefined;
}) {
  return z.custom<T>(isObject, { error: expected(options.expected) }).check((ctx) => {
    const keys = Object.keys(ctx.value);
    if (keys.length > options.max) {
      ctx.issues.push({
        code: "custom",
        message: `must hold at most ${options.max} ${options.what}`,
        input: ctx.value,
        params: OVER_LIMIT,
      });
      return;
    }
    for (const key of keys) {
      const problem = options.problem(key, ctx.value[key]);
      if (problem === undefined) continue;
      ctx.issues.push({
        code: "custom",
        message: problem.message,
        input: ctx.value[key],
        path: [key],
        ...(problem.overLimit ? { params: OVER_LIMIT } : {}),
      });
      return;
    }
  });
}

/** Whether a failed parse failed on a bound (a list or a string too long): 413-like, not a wrong shape. */
export function isOverLimit(error: z.ZodError): boolean {
  const first = error.issues[0];
  if (first === undefined) return false;
  if (first.code === "too_big") return true;
  return first.code === "custom" && first.params?.overLimit === true;
}

/** The first problem of a failed parse as "path: message (and N more problems)". */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  const first = error.issues[0];
  if (first === undefined) return "invalid";
  const more = error.issues.length - 1;
  const tail = more > 0 ? ` (and ${more} more problem${more > 1 ? "s" : ""})` : "";
  return `${issuePath(first.path, prefix)}: ${first.message}${tail}`;
}
