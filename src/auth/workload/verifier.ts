import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { Identity, RobotGrant } from "../types.js";
import type { WorkloadIssuer } from "./issuers.js";

/** Asymmetric algorithms only: an HMAC "signature" would need a secret shared with the issuer. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
/** A presented workload token may not claim a lifetime longer than this. */
const MAX_LIFETIME_SECONDS = 24 * 3600;

export interface WorkloadIdentity extends Identity {
  readonly kind: "workload";
  readonly grants: readonly RobotGrant[];
  /** The issuer rule that accepted the token. */
  readonly rule: string;
}

/**
 * Verifies a workload's JWT against the trusted issuers: signature by the issuer's published keys
 * (fetched from its JWKS URL with jose's caching and cooldown, or read from the file), `iss` exact,
 * `aud` containing the rule's audience, `exp` present and not past, the rule's CEL condition true.
 * Several rules may trust one issuer with different conditions; the first that accepts wins.
 */
export class WorkloadVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly issuers: readonly WorkloadIssuer[]) {
    for (const issuer of issuers) {
      this.keySets.set(
        issuer.name,
        issuer.jwksUrl
          ? createRemoteJWKSet(new URL(issuer.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 })
          : createLocalJWKSet(issuer.jwks as Parameters<typeof createLocalJWKSet>[0]),
      );
    }
  }

  get empty(): boolean {
    return this.issuers.length === 0;
  }

  /** The workload the token proves, or undefined (and why, for the log) when no rule accepts it. */
  async verify(token: string): Promise<WorkloadIdentity | { readonly refused: string }> {
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return { refused: "not a JWT" };
    }
    const candidates = this.issuers.filter((i) => i.issuer === iss);
    if (candidates.length === 0) return { refused: `issuer ${JSON.stringify(iss ?? "")} is not trusted` };
    let reason = "no rule accepted it";
    for (const rule of candidates) {
      try {
        const { payload } = await jwtVerify(token, this.keySets.get(rule.name)!, {
          issuer: rule.issuer,
          audience: rule.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ["exp"],
          clockTolerance: 30,
        });
        if (payload.iat !== undefined && payload.exp! - payload.iat > MAX_LIFETIME_SECONDS) {
          reason = `rule ${rule.name}: the token lives longer than 24 h`;
          continue;
        }
        if (rule.condition && !rule.condition.test(payload as Record<string, unknown>)) {
          reason = `rule ${rule.name}: the claim condition is not met`;
          continue;
        }
        const subject = payload[rule.subjectClaim];
        return {
          subject: `workload:${rule.name}:${typeof subject === "string" ? subject : "?"}`,
          kind: "workload",
          via: "token",
          grants: rule.grants,
          rule: rule.name,
        };
      } catch (err) {
        reason = `rule ${rule.name}: ${(err as Error).message}`;
      }
    }
    return { refused: reason };
  }
}
