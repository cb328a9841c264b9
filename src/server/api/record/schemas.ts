import { z } from "zod";
import { RECORD_KINDS } from "../../../audit/index.js";
import { components } from "../identity/schemas.js";

/** Schemas of the record's endpoints (issue 15); see routes.ts. */
function named<T extends z.ZodType>(id: string, schema: T): T {
  components.add(schema, { id });
  return schema;
}

const Index = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Size = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const Hash = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe("SHA-256, hex");

export const EntriesQuery = z.strictObject({
  from: Index.default(0).describe("the first leaf index"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const ExportQuery = z.strictObject({
  from: Index.default(0).describe("the first leaf index"),
  since: z
    .string()
    .max(64)
    .optional()
    .describe("only entries at or after this time (RFC 3339) or duration ago (24h)"),
});
export const EntryParams = z.strictObject({ index: Index });
export const EntryQuery = z.strictObject({
  size: Size.optional().describe("the tree size to prove inclusion in (default: the current one)"),
});
export const InclusionQuery = z.strictObject({
  index: Index,
  size: Size.optional().describe("default: the current tree size"),
});
export const ConsistencyQuery = z.strictObject({
  from: Size,
  to: Size.optional().describe("default: the current tree size"),
});

const Entry = z.object({
  index: z.number().int(),
  at: z.number().int().describe("epoch milliseconds"),
  kind: z.enum(RECORD_KINDS),
  actor: z.string().optional(),
  digest: z.string().optional(),
  repository: z.string().optional(),
  namespace: z.string().optional(),
  pod: z.string().optional(),
  containerId: z.string().optional(),
  summary: z.string(),
  payload: z.unknown(),
  leafHash: Hash.describe("RFC 9162 leaf hash of `leaf`"),
  leaf: z.string().describe("the exact canonical JSON that was hashed (verifiers rehash it)"),
});

export const EntriesAnswer = named(
  "RecordEntries",
  z.object({ size: z.number().int().describe("the tree's size when read"), items: z.array(Entry) }),
);

const Proof = z.object({
  index: z.number().int(),
  size: z.number().int(),
  hashes: z.array(Hash).describe("the audit path, deepest first (RFC 9162 §2.1.3)"),
});
export const InclusionAnswer = named("RecordInclusionProof", Proof);
const PrunedEntry = z.object({
  index: z.number().int(),
  pruned: z.literal(true).describe("retention deleted this entry's text; its leaf hash stays in the tree"),
  leafHash: Hash,
});
export const EntryAnswer = named(
  "RecordEntry",
  z.union([Entry.extend({ proof: Proof }), PrunedEntry.extend({ proof: Proof })]),
);
export const ConsistencyAnswer = named(
  "RecordConsistencyProof",
  z.object({
    from: z.number().int(),
    to: z.number().int(),
    hashes: z.array(Hash).describe("RFC 9162 §2.1.4 consistency proof"),
  }),
);
