import { VulnError } from "../errors.js";

/** The one error every scheme throws for a version it cannot read (code VERSION_INVALID). */
export function invalidVersion(scheme: string, version: string, why: string): VulnError {
  const shown = version.length > 80 ? `${version.slice(0, 80)}…` : version;
  return new VulnError(
    "VERSION_INVALID",
    `not a valid ${scheme} version (${why}): ${JSON.stringify(shown)}`,
    {
      detail: { scheme, version: shown },
    },
  );
}
