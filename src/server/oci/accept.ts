import { MANIFEST_MEDIA_TYPES } from "../../oci/index.js";

const MANIFEST_TYPES: ReadonlySet<string> = new Set(MANIFEST_MEDIA_TYPES);

/**
 * Which stored manifest media types a client's `Accept` header lets it read (distribution spec, "Pulling
 * manifests": the client names the formats it understands; the registry may refuse the rest).
 *
 * Nothing is converted: a manifest is content-addressed, and rewriting it into another format would
 * change its digest and break every signature and reference to it. So a client that names manifest
 * formats and not the stored one gets MANIFEST_UNKNOWN (404), as CNCF Distribution answers an
 * "OCI index found, but accept header does not support OCI indexes", instead of bytes it cannot parse.
 *
 * A header that is absent, holds a wildcard (`*\/*`, `application/*`) or names no manifest format at all
 * (`application/json`, as curl users write) states no preference among manifests: everything is served.
 * A type with `q=0` is "not acceptable" (RFC 9110, 12.4.2) and counts as unnamed.
 */
export function manifestAcceptance(header: string | string[] | undefined): (mediaType: string) => boolean {
  const named = new Set<string>();
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const value of values) {
    for (const item of value.split(",")) {
      const [type = "", ...params] = item.split(";").map((part) => part.trim().toLowerCase());
      if (type === "") continue;
      if (params.some((p) => /^q\s*=\s*0(?:\.0{0,3})?$/.test(p))) continue;
      if (type === "*/*" || type === "application/*") return () => true;
      if (MANIFEST_TYPES.has(type)) named.add(type);
    }
  }
  if (named.size === 0) return () => true;
  return (mediaType) => named.has(mediaType.toLowerCase());
}
