import type { FileInfo } from "../../../oci/index.js";
import { detectDistro } from "../../distro/detect.js";
import { locationOf, type Package } from "../../model.js";
import type { CatalogContext, Cataloger, FileResolver } from "../cataloger.js";
import { parseCopyrightLicenses } from "./copyright.js";
import { dpkgPurl } from "./purl.js";
import { parseDpkgStatus } from "./status.js";

export { parseControlParagraphs } from "./control.js";
export { parseCopyrightLicenses } from "./copyright.js";
export { dpkgPurl } from "./purl.js";
export { type DpkgEntry, parseDpkgStatus } from "./status.js";

const STATUS_FILE = "/var/lib/dpkg/status";
const STATUS_DIR = "/var/lib/dpkg/status.d/";
const DOC_DIR = "/usr/share/doc/";
/** Copyright files are text; the largest in Debian (texlive, linux) are around 1 MiB. */
const MAX_COPYRIGHT_SIZE = 4 * 1024 * 1024;

/**
 * Files distroless keeps beside each package's control file in status.d (dpkg's info/ members):
 * not package records.
 */
const CONTROL_MEMBER_SUFFIX =
  /\.(md5sums|conffiles|list|preinst|postinst|prerm|postrm|triggers|shlibs|symbols|templates|config)$/;

function isStatusFile(path: string): boolean {
  if (path === STATUS_FILE) return true;
  if (!path.startsWith(STATUS_DIR)) return false;
  const rest = path.slice(STATUS_DIR.length);
  return rest !== "" && !rest.includes("/") && !CONTROL_MEMBER_SUFFIX.test(rest);
}

/** /usr/share/doc/<package>/copyright, exactly one level below doc/. */
function isCopyrightFile(path: string): boolean {
  if (!path.startsWith(DOC_DIR) || !path.endsWith("/copyright")) return false;
  const middle = path.slice(DOC_DIR.length, -"/copyright".length);
  return middle !== "" && !middle.includes("/");
}

export const dpkgCataloger: Cataloger = {
  name: "dpkg",
  wants: (file: FileInfo) =>
    isStatusFile(file.path) || (isCopyrightFile(file.path) && file.size <= MAX_COPYRIGHT_SIZE),
  catalog(resolver: FileResolver, context: CatalogContext): Package[] {
    const distro = context.distro ?? detectDistro(resolver);
    const packages: Package[] = [];
    for (const file of resolver.selected()) {
      if (!isStatusFile(file.path)) continue;
      const bytes = resolver.read(file.path);
      if (!bytes) continue;
      const { entries, warnings } = parseDpkgStatus(bytes.toString("utf8"));
      for (const warning of warnings) context.warn(`dpkg: ${file.path}: ${warning}`, "PACKAGE_DB_INVALID");
      for (const entry of entries) {
        const pkg: Package = {
          type: "deb",
          name: entry.name,
          version: entry.version,
          purl: dpkgPurl(entry, distro),
          licenses: [],
          source: { name: entry.sourceName, version: entry.sourceVersion },
          cataloger: "dpkg",
          locations: [locationOf(file)],
        };
        if (entry.arch) pkg.arch = entry.arch;
        if (entry.dependsOn.length > 0) pkg.dependsOn = entry.dependsOn;
        addCopyright(pkg, resolver);
        packages.push(pkg);
      }
    }
    return packages;
  },
};

function addCopyright(pkg: Package, resolver: FileResolver): void {
  const path = resolver.realPath(`${DOC_DIR}${pkg.name}/copyright`);
  const info = path === undefined ? undefined : resolver.info(path);
  const bytes = path === undefined ? undefined : resolver.read(path);
  if (!info || !bytes) return;
  pkg.licenses = parseCopyrightLicenses(bytes.toString("utf8"));
  pkg.locations.push(locationOf(info));
}
