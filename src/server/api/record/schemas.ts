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
  z.object({
    size: z.number().int().describe("the tree's size when read"),
    items: z.array(Entry),
    pruned: z
      .array(z.object({ index: z.number().int(), leafHash: Hash }))
      .optional()
      .describe(
        "entries of the page retention pruned (below the horizon): only their kept leaf hashes, which a verifier folds in as stored",
      ),
  }),
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

/** `after` of a timeline page: the previous page's `next` as `AT.INDEX`. */
const Cursor = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})\.(0|[1-9][0-9]{0,15})$/)
  .transform((v) => {
    const [at, index] = v.split(".").map(Number) as [number, number];
    return { at, index };
  })
  .describe("the previous page's `next` (AT.INDEX)");

export const TimelineQuery = z.strictObject({
  image: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe("a reference (resolved to its digest here) or a digest"),
  pod: z.string().min(3).max(317).optional().describe("NAMESPACE/NAME"),
  container: z.string().min(12).max(80).optional().describe("a runtime container id, full or short"),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  after: Cursor.optional(),
  proofs: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

const TimelineEntry = Entry.extend({
  proof: z.array(Hash).optional().describe("inclusion proof in the tree of `checkpoint`, deepest first"),
});

export const TimelineAnswer = named(
  "RecordTimeline",
  z.object({
    subject: z.object({
      image: z.string().optional(),
      pod: z.string().optional(),
      container: z.string().optional(),
    }),
    digests: z
      .array(z.string())
      .describe("the digests covered: the image's, or those the pod or container ran"),
    size: z.number().int().describe("the tree size the entries were read from"),
    checkpoint: z.string().describe("the signed C2SP checkpoint of that tree, which every proof leads to"),
    entries: z.array(TimelineEntry).describe("by time, then leaf index"),
    next: z.string().optional().describe("pass as `after` for the next page"),
    scans: z.array(
      z.object({
        digest: z.string(),
        status: z.string(),
        scannedAt: z.number().int().optional(),
        counts: z
          .unknown()
          .optional()
          .describe("findings now (each image.scanned entry's payload has them then)"),
      }),
    ),
    mightHaveDone: z.object({
      exposure: z
        .object({ index: z.number().int(), at: z.number().int(), spec: z.unknown() })
        .optional()
        .describe(
          "the latest recorded workload spec summary: security context, capabilities, host mounts, ports",
        ),
      riskyPackages: z.array(
        z.object({
          digest: z.string(),
          kind: z.enum(["shell", "package-manager", "compiler"]),
          name: z.string(),
          version: z.string().optional(),
          purl: z.string().optional(),
        }),
      ),
    }),
  }),
);
