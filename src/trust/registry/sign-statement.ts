import { STATEMENT_TYPE_V1 } from "../intoto/statement.js";

/**
 * The predicate type cosign 3 gives an image signature stored as a Sigstore bundle: a DSSE in-toto
 * statement whose subject is the image (name = the repository signed, digest = the manifest
 * digest, annotations = `-a key=value`). A DSSE statement rather than a bare message signature,
 * because only a statement says which image it signs; a message signature over the manifest would
 * carry neither the docker-reference nor the annotations a verifier checks.
 */
export const PREDICATE_TYPE_COSIGN_SIGN = "https://sigstore.dev/cosign/sign/v1";

export function buildSignStatement(
  dockerReference: string,
  digest: string,
  annotations: Record<string, string>,
): Buffer {
  const [alg, hex] = digest.split(":") as [string, string];
  const subject: Record<string, unknown> = { name: dockerReference, digest: { [alg]: hex } };
  if (Object.keys(annotations).length > 0) subject.annotations = annotations;
  return Buffer.from(
    JSON.stringify({
      _type: STATEMENT_TYPE_V1,
      subject: [subject],
      predicateType: PREDICATE_TYPE_COSIGN_SIGN,
      predicate: {},
    }),
    "utf8",
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The name and annotations of the subject naming `digest` in a verified sign statement's payload
 * (parseStatement keeps only names and digests, so the annotations are read here).
 */
export function signSubjectOf(
  payload: Buffer,
  digest: string,
): { name: string; annotations: Record<string, unknown> } | undefined {
  const [alg, hex] = digest.split(":") as [string, string];
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isRecord(json) || !Array.isArray(json.subject)) return undefined;
  for (const s of json.subject) {
    if (!isRecord(s) || !isRecord(s.digest) || s.digest[alg] !== hex) continue;
    return {
      name: typeof s.name === "string" ? s.name : "",
      annotations: isRecord(s.annotations) ? s.annotations : {},
    };
  }
  return undefined;
}
