import { TrustError } from "../errors.js";

/**
 * cosign's `--type` aliases for attestation predicates (cmd/cosign/cli/options/predicate.go,
 * PredicateTypeMap) and the URIs they stand for.
 */
export const PREDICATE_TYPE_ALIASES = {
  custom: "https://cosign.sigstore.dev/attestation/v1",
  slsaprovenance: "https://slsa.dev/provenance/v0.2",
  slsaprovenance02: "https://slsa.dev/provenance/v0.2",
  slsaprovenance1: "https://slsa.dev/provenance/v1",
  spdx: "https://spdx.dev/Document",
  spdxjson: "https://spdx.dev/Document",
  cyclonedx: "https://cyclonedx.org/bom",
  link: "https://in-toto.io/Link/v1",
  vuln: "https://cosign.sigstore.dev/attestation/vuln/v1",
  openvex: "https://openvex.dev/ns",
} as const;

export type PredicateTypeAlias = keyof typeof PREDICATE_TYPE_ALIASES;

// RFC 3986 section 3.1: scheme ":" followed by something; in-toto asks for a TypeURI.
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

/**
 * Resolves a predicate type as cosign's `attest --type` does: an alias becomes its URI, an
 * absolute URI passes unchanged. Where cosign would pass any other word through as-is, we refuse
 * it (PREDICATE_TYPE_UNKNOWN) so a typo such as "slsaprovenace" is caught before signing.
 */
export function resolvePredicateType(input: string): string {
  const alias = PREDICATE_TYPE_ALIASES[input.toLowerCase() as PredicateTypeAlias];
  if (alias) return alias;
  if (ABSOLUTE_URI.test(input)) return input;
  throw new TrustError(
    "PREDICATE_TYPE_UNKNOWN",
    `unknown predicate type ${JSON.stringify(input.slice(0, 80))}`,
    {
      detail: { known: Object.keys(PREDICATE_TYPE_ALIASES) },
    },
  );
}
