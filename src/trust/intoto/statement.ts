import { TrustError, type VerificationFailure } from "../errors.js";

/** in-toto Statement layer (in-toto/attestation spec/v1/statement.md). */
export const STATEMENT_TYPE_V1 = "https://in-toto.io/Statement/v1";
/** The older type cosign and the SLSA generator still write; accepted on read. */
export const STATEMENT_TYPE_V01 = "https://in-toto.io/Statement/v0.1";

/** A ResourceDescriptor as a Statement subject: a name and digests keyed by algorithm. */
export interface StatementSubject {
  name: string;
  digest: Record<string, string>;
}

export interface InTotoStatement {
  _type: typeof STATEMENT_TYPE_V1 | typeof STATEMENT_TYPE_V01;
  subject: StatementSubject[];
  predicateType: string;
  predicate?: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const HEX = /^[0-9a-f]+$/;

/** Builds a v1 Statement; subjects carry lowercase hex digests (spec/v1/digest_set.md). */
export function buildStatement(
  subject: StatementSubject[],
  predicateType: string,
  predicate: Record<string, unknown> = {},
): InTotoStatement {
  if (subject.length === 0)
    throw new TrustError("INVALID_ARGUMENT", "a statement needs at least one subject");
  for (const s of subject) {
    for (const [alg, hex] of Object.entries(s.digest)) {
      if (!HEX.test(hex))
        throw new TrustError("INVALID_ARGUMENT", `subject ${s.name}: ${alg} digest is not lowercase hex`);
    }
  }
  return { _type: STATEMENT_TYPE_V1, subject, predicateType, predicate };
}

/**
 * Parses a Statement strictly: a known `_type`, a `subject` array of {name?, digest: {alg: hex}},
 * a non-empty `predicateType`, and an object or absent `predicate`. An empty subject list parses
 * (cosign's fixtures have one) but never matches an artifact.
 */
export function parseStatement(input: string | Uint8Array | unknown): InTotoStatement {
  let json: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    try {
      json = JSON.parse(typeof input === "string" ? input : Buffer.from(input).toString("utf8"));
    } catch (cause) {
      throw new TrustError("STATEMENT_INVALID", "in-toto statement is not JSON", { cause });
    }
  }
  if (!isRecord(json)) throw new TrustError("STATEMENT_INVALID", "in-toto statement is not a JSON object");
  const type = json._type;
  if (type !== STATEMENT_TYPE_V1 && type !== STATEMENT_TYPE_V01) {
    throw new TrustError("STATEMENT_INVALID", `unknown statement _type ${JSON.stringify(type)}`);
  }
  if (!Array.isArray(json.subject))
    throw new TrustError("STATEMENT_INVALID", "statement has no subject array");
  const subject = json.subject.map((s, i): StatementSubject => {
    if (!isRecord(s) || !isRecord(s.digest))
      throw new TrustError("STATEMENT_INVALID", `subject ${i} has no digest`);
    if (s.name !== undefined && typeof s.name !== "string") {
      throw new TrustError("STATEMENT_INVALID", `subject ${i} has a non-string name`);
    }
    const digest: Record<string, string> = {};
    for (const [alg, value] of Object.entries(s.digest)) {
      if (typeof value !== "string")
        throw new TrustError("STATEMENT_INVALID", `subject ${i}: ${alg} digest is not a string`);
      digest[alg] = value;
    }
    return { name: typeof s.name === "string" ? s.name : "", digest };
  });
  if (typeof json.predicateType !== "string" || json.predicateType === "") {
    throw new TrustError("STATEMENT_INVALID", "statement has no predicateType");
  }
  if (json.predicate !== undefined && json.predicate !== null && !isRecord(json.predicate)) {
    throw new TrustError("STATEMENT_INVALID", "statement predicate is not an object");
  }
  const statement: InTotoStatement = { _type: type, subject, predicateType: json.predicateType };
  if (isRecord(json.predicate)) statement.predicate = json.predicate;
  return statement;
}

export type SubjectMatch =
  | { ok: true; subject: StatementSubject }
  | { ok: false; reason: VerificationFailure; message: string };

/**
 * Finds the subject naming an artifact by digest (`sha256:<hex>` or `{alg: hex}`), as cosign's
 * verify-blob-attestation does: any subject whose digest for that algorithm equals the artifact's.
 */
export function matchSubject(statement: InTotoStatement, digest: string): SubjectMatch {
  const colon = digest.indexOf(":");
  const alg = digest.slice(0, colon);
  const hex = digest.slice(colon + 1).toLowerCase();
  if (colon < 1 || !HEX.test(hex)) {
    return {
      ok: false,
      reason: "DIGEST_MISMATCH",
      message: `not a digest: ${JSON.stringify(digest.slice(0, 80))}`,
    };
  }
  if (statement.subject.length === 0) {
    return { ok: false, reason: "STATEMENT_INVALID", message: "statement has no subject" };
  }
  const found = statement.subject.find((s) => s.digest[alg]?.toLowerCase() === hex);
  if (found) return { ok: true, subject: found };
  const withAlg = statement.subject.some((s) => s.digest[alg] !== undefined);
  return {
    ok: false,
    reason: "DIGEST_MISMATCH",
    message: withAlg ? `no subject has ${alg} digest ${hex}` : `no subject carries a ${alg} digest`,
  };
}
