import { z } from "zod";
import { RUNTIME_LIMITS } from "../limits.js";
import { boundedMap, expected, type MapProblem, str, timestamp } from "../schema-helpers.js";

/**
 * Falco's JSON alert (`json_output: true`, posted by `http_output`) and falcosidekick's webhook body,
 * which re-posts the same object: falcosidekick `types.go` FalcoPayload (uuid, output, priority, rule,
 * time, output_fields, source, tags, hostname). Unknown top-level fields are dropped.
 */

/** Falco's priorities (falco `falco_common.cpp`, falcosidekick `PriorityType`), most severe first. */
export const FALCO_PRIORITIES = [
  "emergency",
  "alert",
  "critical",
  "error",
  "warning",
  "notice",
  "informational",
  "debug",
] as const;
export type FalcoPriority = (typeof FALCO_PRIORITIES)[number];

/** Falco writes "Notice", falcosidekick "notice"; rules files say "NOTICE" and "INFO". */
function toPriority(value: string): FalcoPriority | undefined {
  const lower = value.toLowerCase();
  if (lower === "info") return "informational";
  if (lower === "warn") return "warning";
  return (FALCO_PRIORITIES as readonly string[]).includes(lower) ? (lower as FalcoPriority) : undefined;
}

const priority = str().transform((value, ctx) => {
  const known = toPriority(value);
  if (known !== undefined) return known;
  ctx.issues.push({ code: "custom", message: `must be one of ${FALCO_PRIORITIES.join(", ")}`, input: value });
  return z.NEVER;
});

const text = (max: number) => str().max(max, `must be at most ${max} characters`);

/** A value of output_fields: Falco prints scalars, and lists for a few fields (`ka.req.pod.containers.image`). */
export type FieldValue = string | number | boolean | null | (string | number | boolean | null)[];

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

const wrongType = (message: string): MapProblem => ({ message, overLimit: false });
const overLimit = (message: string): MapProblem => ({ message, overLimit: true });

function fieldProblem(value: unknown): MapProblem | undefined {
  if (typeof value === "string" && value.length > RUNTIME_LIMITS.textLength) {
    return overLimit(`must be at most ${RUNTIME_LIMITS.textLength} characters`);
  }
  if (isScalar(value)) return undefined;
  if (!Array.isArray(value)) return wrongType("must be a string, number, boolean, null or a list of them");
  if (value.length > RUNTIME_LIMITS.outputFields) {
    return overLimit(`must hold at most ${RUNTIME_LIMITS.outputFields} values`);
  }
  for (const item of value) {
    if (!isScalar(item)) return wrongType("must be a list of strings, numbers, booleans or nulls");
    if (typeof item === "string" && item.length > RUNTIME_LIMITS.textLength) {
      return overLimit(`must hold strings of at most ${RUNTIME_LIMITS.textLength} characters`);
    }
  }
  return undefined;
}

/** output_fields: Falco's field names and their printed values. */
const outputFields = boundedMap<Record<string, FieldValue>>({
  expected: "a map of field values",
  max: RUNTIME_LIMITS.outputFields,
  what: "fields",
  problem: (key, value) =>
    key.length > 256 ? overLimit("field name must be at most 256 characters") : fieldProblem(value),
});

export const falcoAlertSchema = z.object(
  {
    uuid: text(128).nullish(),
    output: text(RUNTIME_LIMITS.textLength),
    priority,
    rule: text(256).min(1, "must not be empty"),
    time: timestamp(),
    source: text(64).nullish(),
    tags: z
      .array(text(128), { error: expected("a list of strings") })
      .max(RUNTIME_LIMITS.tags, `must hold at most ${RUNTIME_LIMITS.tags} tags`)
      .nullish(),
    hostname: text(253).nullish(),
    output_fields: outputFields.nullish(),
  },
  { error: expected("an object") },
);

export type RawFalcoAlert = z.infer<typeof falcoAlertSchema>;

/** The body of a Falco post as documented (OpenAPI): one alert or a list of them. */
export const falcoBodySchema = z.union([falcoAlertSchema, z.array(falcoAlertSchema)]);
