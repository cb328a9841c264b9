import { z } from "zod";
import { ownRecord } from "./own-record.js";

/**
 * The schema of a recorded PolicyInput (facts.ts), for policy test cases and replayed decisions.
 * Evidence from the wire is checked before a decision is computed from it.
 */
const record = ownRecord(z.string());
const signer = z.strictObject({
  key: z.string().optional(),
  identity: z.string().optional(),
  issuer: z.string().optional(),
});
const source = z.enum(["config", "users", "signatures", "attestations", "scan", "occurrences"]);

export const policyInputSchema = z.strictObject({
  image: z.strictObject({
    reference: z.string(),
    registry: z.string(),
    repository: z.string(),
    tag: z.string().optional(),
    digest: z.string().optional(),
  }),
  request: z.strictObject({
    kind: z.enum(["ci", "registry-push", "registry-pull", "admission"]),
    namespace: z.string().optional(),
    serviceAccount: z.string().optional(),
    cluster: z.string().optional(),
    user: z.string().optional(),
    annotations: record.optional(),
    podSecurity: z
      .strictObject({
        runAsNonRoot: z.boolean().optional(),
        runAsUser: z.number().int().optional(),
        runAsGroup: z.number().int().optional(),
        privileged: z.boolean().optional(),
        hostNetwork: z.boolean().optional(),
        hostPathVolumes: z.array(z.string()).optional(),
        addedCapabilities: z.array(z.string()).optional(),
      })
      .optional(),
  }),
  evidence: z.strictObject({
    config: z
      .strictObject({
        user: z.string().optional(),
        labels: record.optional(),
        annotations: record.optional(),
      })
      .optional(),
    user: z
      .strictObject({
        user: z.string(),
        uid: z.number().int().optional(),
        gid: z.number().int().optional(),
        unresolved: z.string().optional(),
      })
      .optional(),
    base: z.strictObject({ name: z.string().optional(), digest: z.string().optional() }).optional(),
    signatures: z
      .array(
        z.strictObject({
          verified: z.boolean(),
          digest: z.string(),
          signer,
          format: z.string().optional(),
          error: z.string().optional(),
        }),
      )
      .optional(),
    attestations: z
      .array(
        z.strictObject({
          predicateType: z.string(),
          verified: z.boolean(),
          digest: z.string(),
          signer,
          predicate: z.unknown(),
          error: z.string().optional(),
        }),
      )
      .optional(),
    scan: z
      .object({
        scannedAt: z.string(),
        incomplete: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
        findings: z.array(
          z.object({
            id: z.string(),
            aliases: z.array(z.string()).optional(),
            severity: z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]),
            fixedVersion: z.string().optional(),
            suppressed: z.boolean().optional(),
            package: z.object({ name: z.string() }).optional(),
          }),
        ),
      })
      .optional(),
    occurrences: z
      .array(
        z.strictObject({
          noteName: z.string(),
          kind: z.string(),
          author: z.string(),
          digest: z.string(),
          createTime: z.string().optional(),
        }),
      )
      .optional(),
    errors: z.array(z.strictObject({ source, message: z.string() })).optional(),
  }),
});
