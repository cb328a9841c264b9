/**
 * One spelling per package name, used both when storing advisories and when looking them up, so
 * that the index on (ecosystem, name) finds a package however its metadata spelled it.
 */

/** The part of an OSV ecosystem before the first colon: "Debian:12" → "Debian". */
export function ecosystemBase(ecosystem: string): string {
  const colon = ecosystem.indexOf(":");
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

/**
 * PyPI names compare after PEP 503 normalisation (runs of "-", "_", "." become "-", lowercase).
 * NuGet ids, Packagist names and crates are case-insensitive in their registries; crates.io also
 * treats "-" and "_" as the same crate name. Every other ecosystem is case-sensitive.
 */
export function normalisePackageName(ecosystem: string, name: string): string {
  switch (ecosystemBase(ecosystem)) {
    case "PyPI":
      return name.toLowerCase().replace(/[-_.]+/g, "-");
    case "NuGet":
    case "Packagist":
      return name.toLowerCase();
    case "crates.io":
      return name.toLowerCase().replace(/_/g, "-");
    default:
      return name;
  }
}
