import type { Distro } from "../model.js";

/**
 * The purl `distro` qualifier as syft and trivy write it for deb, rpm and apk packages:
 * "<ID>-<VERSION_ID>" ("debian-12", "alpine-3.19.1", "rhel-9.3"), or the ID alone when the
 * version is unknown (Debian testing/sid has no VERSION_ID).
 */
export function distroQualifier(distro: Distro | undefined): string | undefined {
  if (!distro) return undefined;
  return distro.versionId ? `${distro.id}-${distro.versionId}` : distro.id;
}
