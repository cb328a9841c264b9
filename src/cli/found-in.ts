/** The part of a package location the CLI shows. */
interface Location {
  readonly path: string;
  readonly layerIndex?: number;
}

/** dpkg's licence evidence: /usr/share/doc/<package>/copyright (catalogers/dpkg reads it for licences). */
const DPKG_COPYRIGHT = /^\/usr\/share\/doc\/[^/]+\/copyright$/;

/**
 * The location to show for a package ("found in", SARIF's artifact): the file that listed it. A
 * cataloger may add files that only tell more about a package as further locations (dpkg adds
 * /usr/share/doc/<package>/copyright, read for licences), and SBOM merging sorts locations by path,
 * so the first is not always the record: /usr/share/doc/… sorts before /var/lib/dpkg/status.
 * Every location stays in the SBOM and in JSON.
 */
export function foundIn<L extends Location>(pkg: { readonly locations: readonly L[] }): L | undefined {
  return pkg.locations.find((l) => !DPKG_COPYRIGHT.test(l.path)) ?? pkg.locations[0];
}
