/**
 * One version scheme per ecosystem (renovate's layout, grype's semantics): validate and compare.
 * Whether a version lies inside an advisory range is decided by the matcher from `compare`, so a
 * new scheme is one folder and one line in the list.
 */
export interface VersionScheme {
  /**
   * The folder name: "dpkg", "rpm", "apk", "semver", "pep440", "maven", "go", "rubygems", "nuget",
   * "packagist". `schemeById` finds a scheme by it; list.test.ts pins it to the folder.
   */
  readonly id: string;
  /** Whether the scheme can read this version string. */
  isValid(version: string): boolean;
  /**
   * Negative, zero or positive as `a` sorts before, equal to or after `b`.
   * Throws VulnError (code VERSION_INVALID) when either is not a valid version of this scheme.
   * Must be cheap: matching calls it for every range of every advisory of every package.
   */
  compare(a: string, b: string): number;
}
