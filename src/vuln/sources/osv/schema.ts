import { z } from "zod";

/**
 * The fields of an OSV record that Portcullis reads (OSV schema 1.x,
 * https://ossf.github.io/osv-schema/). Unknown fields pass through untouched: the raw record is
 * kept, and the schema grows new optional fields often. Strict where matching depends on it: an
 * event must name exactly one of introduced/fixed/last_affected/limit, and a range its type.
 */

/**
 * RFC 3339 `date-time` (section 5.6), as OSV requires: full date, "T", full time with optional
 * fraction, "Z" or an offset. Date.parse alone accepts far more ("9999-12-31", HTTP dates, no
 * zone at all, which it reads as local time), and rolls 30 February into March.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

export function isRfc3339(text: string): boolean {
  const m = RFC3339.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetOk &&
    !Number.isNaN(Date.parse(text))
  );
}

const timestamp = z.string().refine(isRfc3339, {
  error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 40))} is not an RFC 3339 timestamp`,
});

const event = z
  .object({
    introduced: z.string().min(1).optional(),
    fixed: z.string().min(1).optional(),
    last_affected: z.string().min(1).optional(),
    limit: z.string().min(1).optional(),
  })
  .refine(
    (e) => [e.introduced, e.fixed, e.last_affected, e.limit].filter((v) => v !== undefined).length === 1,
    "an event must have exactly one of introduced, fixed, last_affected, limit",
  );

const range = z.object({
  type: z.enum(["ECOSYSTEM", "SEMVER", "GIT"]),
  repo: z.string().optional(),
  events: z.array(event).min(1),
});

const severity = z.object({ type: z.string().min(1), score: z.string().min(1) });

/** `database_specific` and `ecosystem_specific` are free-form; we only read a severity word from them. */
const freeForm = z.record(z.string(), z.unknown());

const affected = z.object({
  package: z
    .object({
      ecosystem: z.string().min(1),
      name: z.string().min(1),
      purl: z.string().optional(),
    })
    .optional(),
  severity: z.array(severity).optional(),
  ranges: z.array(range).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: freeForm.optional(),
  database_specific: freeForm.optional(),
});

export const osvRecordSchema = z.object({
  schema_version: z.string().optional(),
  id: z.string().min(1).max(200),
  modified: timestamp,
  published: timestamp.optional(),
  withdrawn: timestamp.optional(),
  aliases: z.array(z.string()).nullish(),
  upstream: z.array(z.string()).nullish(),
  related: z.array(z.string()).nullish(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severity).nullish(),
  affected: z.array(affected).nullish(),
  references: z.array(z.object({ type: z.string().optional(), url: z.string() })).nullish(),
  database_specific: freeForm.nullish(),
});

export type OsvRecord = z.infer<typeof osvRecordSchema>;
export type OsvAffected = z.infer<typeof affected>;
export type OsvRange = z.infer<typeof range>;
export type OsvEvent = z.infer<typeof event>;
export type OsvSeverity = z.infer<typeof severity>;

/** Validates one parsed record; returns the record or a short description of the first problems. */
export function validateOsvRecord(value: unknown): { record: OsvRecord } | { problem: string } {
  const result = osvRecordSchema.safeParse(value);
  if (result.success) return { record: result.data };
  const problem = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(record)"}: ${issue.message}`)
    .join("; ");
  return { problem };
}
