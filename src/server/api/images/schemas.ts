import { z } from "zod";
import { Decision } from "../console/schemas.js";
import { components } from "../identity/schemas.js";

/**
 * Schemas of the repository and image endpoints the console reads (docs: the README's API table).
 * Query strings are parsed strictly: an unknown sort or a page past the bounds is a 400 naming the
 * field. Answers are parsed through their response schema before they leave, as the accounts API's.
 * Every string is data (labels, annotations, package names, advisory text come from pushed content):
 * the console renders them as text.
 */
function named<T extends z.ZodType>(id: string, schema: T): T {
  components.add(schema, { id });
  return schema;
}

const Time = z.iso.datetime().describe("RFC 3339 time, UTC");
const Digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, "not a digest");

const Page = z.coerce.number().int().min(1).max(1_000_000).default(1);
const PerPage = z.coerce.number().int().min(1).max(200).default(50);
const Text = z.string().max(256);

export const RepositoryListQuery = z.strictObject({
  q: Text.optional(),
  project: Text.optional(),
  sort: z.enum(["name", "updated", "artifacts", "size"]).default("name"),
  order: z.enum(["asc", "desc"]).optional(),
  page: Page,
  perPage: PerPage,
});

export const ArtifactListQuery = z.strictObject({
  q: Text.optional(),
  sort: z.enum(["pushed", "size"]).default("pushed"),
  order: z.enum(["asc", "desc"]).default("desc"),
  page: Page,
  perPage: PerPage,
});

const Platform = z
  .string()
  .regex(/^[a-z0-9_.-]+\/[a-z0-9_.-]+(\/[a-z0-9_.-]+)?$/, "platform is os/architecture[/variant]");

export const OverviewQuery = z.strictObject({ platform: Platform.optional() });

export const PackageListQuery = z.strictObject({
  q: Text.optional(),
  ecosystem: z.string().max(64).optional(),
  platform: Platform.optional(),
  page: Page,
  perPage: PerPage,
});

const SEVERITIES = ["critical", "high", "medium", "low", "unknown"] as const;

export const FindingListQuery = z.strictObject({
  severity: z
    .string()
    .max(64)
    .transform((s) => s.split(",").filter((x) => x !== ""))
    .pipe(z.array(z.enum(SEVERITIES)))
    .optional()
    .describe("comma-separated severities"),
  fixable: z.enum(["true", "false"]).optional(),
  q: Text.optional(),
  platform: Platform.optional(),
  page: Page,
  perPage: PerPage,
});

export const SbomQuery = z.strictObject({
  format: z.enum(["cyclonedx", "spdx"]).default("cyclonedx"),
  platform: Platform.optional(),
});

export const PagedQuery = z.strictObject({ page: Page, perPage: PerPage });

export const Paging = { total: z.number().int(), page: z.number().int(), perPage: z.number().int() };

export const RepositoryList = named(
  "RepositoryList",
  z.object({
    ...Paging,
    items: z.array(
      z.object({
        name: z.string(),
        project: z.string().describe("the name's first component"),
        tagCount: z.number().int(),
        artifactCount: z.number().int().describe("images, indexes and artifacts of their own"),
        size: z.number().int().describe("bytes of the blobs and manifests it holds"),
        updatedAt: Time.nullable(),
      }),
    ),
  }),
);

const Counts = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
  unknown: z.number().int(),
});

const ScanState = z.enum(["none", "queued", "running", "done", "failed"]);

// One Decision shape for the whole API: the decision log's (console/schemas.ts).
export { Decision } from "../console/schemas.js";

export const ArtifactList = named(
  "ArtifactList",
  z.object({
    ...Paging,
    items: z.array(
      z.object({
        digest: z.string(),
        mediaType: z.string(),
        artifactType: z.string().nullable(),
        tags: z.array(z.string()),
        size: z.number().int().describe("manifest, config and layers; an index adds its images"),
        pushedAt: Time,
        pushedBy: z.string().nullable(),
        platforms: z.array(z.string()),
        signed: z.object({
          signatures: z.number().int(),
          verified: z
            .boolean()
            .nullable()
            .describe("verified by a key or identity the pull policy trusts; null when it names none"),
          by: z.array(z.string()),
        }),
        scan: z.object({ status: ScanState, counts: Counts, scannedAt: Time.nullable() }),
        verdict: z.object({ gate: z.string(), effect: z.string(), at: Time, reason: z.string() }).nullable(),
      }),
    ),
  }),
);

const Scan = z.object({
  status: ScanState,
  counts: Counts,
  scannedAt: Time.nullable(),
  databaseRevision: z.string().nullable(),
});

export const ImageOverview = named(
  "ImageOverview",
  z.object({
    repository: z.string(),
    digest: z.string(),
    mediaType: z.string(),
    artifactType: z.string().nullable(),
    size: z.number().int(),
    tags: z.array(z.string()),
    pushedAt: Time,
    pushedBy: z.string().nullable(),
    platforms: z.array(z.object({ platform: z.string(), digest: z.string(), size: z.number().int() })),
    image: z
      .object({
        digest: z.string(),
        created: z.string().nullable(),
        author: z.string().nullable(),
        os: z.string(),
        architecture: z.string(),
        variant: z.string().nullable(),
        user: z.string().nullable(),
        entrypoint: z.array(z.string()).nullable(),
        cmd: z.array(z.string()).nullable(),
        workingDir: z.string().nullable(),
        labels: z.record(z.string(), z.string()),
        exposedPorts: z.array(z.string()),
        layers: z.array(
          z.object({
            digest: z.string(),
            mediaType: z.string(),
            size: z.number().int(),
            createdBy: z.string().nullable(),
          }),
        ),
        history: z.array(
          z.object({
            created: z.string().nullable(),
            createdBy: z.string().nullable(),
            emptyLayer: z.boolean(),
            comment: z.string().nullable(),
          }),
        ),
      })
      .nullable(),
    baseImage: z
      .object({
        name: z.string().nullable(),
        digest: z.string().nullable(),
        source: z.enum(["provenance", "annotation", "label"]),
      })
      .nullable(),
    scan: Scan,
    supplyChain: z.object({
      signatures: z.array(
        z.object({
          format: z.string(),
          digest: z.string().describe("where it was found: the cosign tag and layer, or the referrer"),
          verified: z
            .boolean()
            .nullable()
            .describe("verified by a key or identity of the pull policy; null when the policy names none"),
          signer: z
            .string()
            .nullable()
            .describe(
              "the verifying key's name in the policy, or a keyless signer's subject (issuer); else who it claims",
            ),
          reason: z
            .string()
            .nullable()
            .describe(
              'why it is not verified, e.g. "no Sigstore trusted root is configured for keyless signers" (config trust.trustedRoot) or "no key or identity of the pull policy verifies it"',
            ),
        }),
      ),
      attestations: z.array(
        z.object({
          predicateType: z.string(),
          digest: z.string(),
          verified: z.boolean().nullable(),
          signer: z.string().nullable(),
        }),
      ),
      provenance: z
        .object({
          builder: z.string().nullable(),
          source: z.string().nullable(),
          dockerfileDigest: z.string().nullable(),
          baseImages: z.array(z.object({ name: z.string(), digest: z.string().nullable() })),
          verified: z.boolean().nullable(),
        })
        .nullable(),
      lint: z
        .object({
          findings: z.number().int(),
          errors: z.number().int(),
          warnings: z.number().int(),
          verified: z.boolean().nullable(),
        })
        .nullable(),
      incomplete: z.array(z.string()),
      referrers: z.array(
        z.object({
          digest: z.string(),
          mediaType: z.string(),
          artifactType: z.string().nullable(),
          size: z.number().int(),
          annotations: z.record(z.string(), z.string()),
        }),
      ),
    }),
    decisions: z
      .object({ total: z.number().int(), latest: Decision.nullable() })
      .nullable()
      .describe("null when the caller may not read the project's decisions (audit.read)"),
  }),
);

export const PackageList = named(
  "PackageList",
  z.object({
    ...Paging,
    ecosystems: z.array(z.object({ name: z.string(), count: z.number().int() })),
    items: z.array(
      z.object({
        name: z.string(),
        version: z.string(),
        ecosystem: z.string(),
        purl: z.string().nullable(),
        licenses: z.array(z.string()),
        layer: z.string().nullable().describe("the digest of the layer that brought it"),
        paths: z.array(z.string()),
      }),
    ),
  }),
);

export const FindingList = named(
  "FindingList",
  z.object({
    ...Paging,
    counts: Counts.describe("the whole report, unfiltered, suppressed findings left out"),
    items: z.array(
      z.object({
        package: z.object({
          name: z.string(),
          version: z.string(),
          ecosystem: z.string(),
          purl: z.string().nullable(),
        }),
        findings: z.array(
          z.object({
            id: z.string(),
            aliases: z.array(z.string()),
            severity: z.string(),
            cvss: z.object({ version: z.string(), vector: z.string(), score: z.number() }).nullable(),
            fixedIn: z.array(z.string()),
            summary: z.string().nullable(),
            suppressed: z.boolean(),
            vex: z.object({ status: z.string(), justification: z.string().nullable() }).nullable(),
            exception: z
              .object({ reason: z.string(), expires: z.string().nullable() })
              .nullable()
              .describe("the first policy exception in force for this finding, if any"),
            exceptions: z
              .array(
                z.object({
                  policy: z.string().describe("the loaded policy: push, pull, admission or a named one"),
                  rule: z.string().describe("defaultRule, namespaceRules.<ns>, ..."),
                  id: z.string().describe("the id the exception names (the finding's or an alias)"),
                  reason: z.string(),
                  until: z.string(),
                  inForce: z.boolean().describe("false: expired, the finding counts again"),
                }),
              )
              .describe("every scan exception of the loaded policies naming this finding for this image"),
          }),
        ),
      }),
    ),
  }),
);

export const DecisionList = named("DecisionList", z.object({ ...Paging, items: z.array(Decision) }));

export const ScanQueued = named(
  "ScanQueued",
  z.object({ status: z.literal("queued"), digests: z.array(z.string()) }),
);

export const RepositoryParams = z.object({ name: z.string().min(1).max(255) });
export const ManifestParams = z.object({ name: z.string().min(1).max(255), digest: Digest });

export const ImageOccurrenceList = named(
  "ImageOccurrenceList",
  z.object({
    occurrences: z.array(
      z.object({
        noteName: z.string().describe("projects/P/notes/N"),
        kind: z.string(),
        author: z.string().describe("the account that posted it"),
        digest: z.string(),
        createTime: z.string().optional(),
      }),
    ),
  }),
);
