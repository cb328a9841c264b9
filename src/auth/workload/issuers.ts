import { parse } from "yaml";
import { z } from "zod";
import { AuthError } from "../errors.js";
import { isProjectPermission, type ProjectPermission } from "../permissions.js";
import type { RobotGrant } from "../types.js";
import { type ClaimCondition, compileClaimCondition } from "./condition.js";

/**
 * Trusted workload issuers (CI systems, Kubernetes service accounts): a JWT one of them signed, for
 * the right audience and meeting the rule's claim condition, is exchanged for a short-lived registry
 * token with the rule's grants, so CI pushes without a stored secret.
 *
 *   issuers:
 *     - name: gitlab
 *       issuer: https://gitlab.example.com
 *       jwksUrl: https://gitlab.example.com/oauth/discovery/keys   # or jwksFile: a JWK Set on disk
 *       audience: portcullis
 *       condition: 'claims.project_path == "team/app" && claims.ref_protected == "true"'
 *       grants:
 *         - { project: team, repositories: ["app", "app/*"], permissions: [repository.pull, repository.push] }
 */
export interface WorkloadIssuer {
  readonly name: string;
  readonly issuer: string;
  readonly jwksUrl?: string;
  readonly jwks?: { keys: Array<Record<string, unknown>> };
  readonly audience: string;
  readonly condition?: ClaimCondition;
  /** The claim the audit log names the workload by (default `sub`). */
  readonly subjectClaim: string;
  readonly grants: readonly RobotGrant[];
}

const Grant = z.strictObject({
  project: z.string().min(1),
  repositories: z.array(z.string().min(1)).min(1).default(["*"]),
  permissions: z.array(z.string()).min(1),
});

const Issuer = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    issuer: z.string().min(1),
    jwksUrl: z.string().url().optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    audience: z.string().min(1),
    condition: z.string().optional(),
    subjectClaim: z.string().default("sub"),
    grants: z.array(Grant).min(1),
  })
  .refine((i) => (i.jwksUrl === undefined) !== (i.jwks === undefined), {
    message: "give exactly one of jwksUrl and jwks",
  });

const File = z.strictObject({ issuers: z.array(Issuer) });

/** Parses the workload issuers file (`auth.workloadIssuersFile`); every problem names its place. */
export function parseWorkloadIssuers(text: string, file: string): WorkloadIssuer[] {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new AuthError("INVALID", `${file}: invalid YAML: ${(err as Error).message}`);
  }
  const parsed = File.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AuthError("INVALID", `${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  const names = new Set<string>();
  return parsed.data.issuers.map((raw, i) => {
    const where = `${file}: issuers.${i}`;
    if (names.has(raw.name)) throw new AuthError("INVALID", `${where}: the name ${raw.name} is used twice`);
    names.add(raw.name);
    if (
      raw.jwksUrl &&
      !raw.jwksUrl.startsWith("https://") &&
      !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(raw.jwksUrl)
    ) {
      throw new AuthError(
        "INVALID",
        `${where}.jwksUrl: keys must come over https (plain http only on loopback)`,
      );
    }
    const grants = raw.grants.map((g, j) => {
      const unknown = g.permissions.filter((p) => !isProjectPermission(p));
      if (unknown.length > 0)
        throw new AuthError(
          "INVALID",
          `${where}.grants.${j}: not project permissions: ${unknown.join(", ")}`,
        );
      return {
        project: g.project,
        repositories: g.repositories,
        permissions: g.permissions as ProjectPermission[],
      };
    });
    return {
      name: raw.name,
      issuer: raw.issuer,
      ...(raw.jwksUrl ? { jwksUrl: raw.jwksUrl } : {}),
      ...(raw.jwks ? { jwks: raw.jwks } : {}),
      audience: raw.audience,
      ...(raw.condition ? { condition: compileClaimCondition(raw.condition, `${where}.condition`) } : {}),
      subjectClaim: raw.subjectClaim,
      grants,
    };
  });
}
