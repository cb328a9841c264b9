import type { FileInfo } from "../../../oci/index.js";
import { detectDistro } from "../../distro/detect.js";
import { locationOf, type Package } from "../../model.js";
import type { CatalogContext, Cataloger, FileResolver } from "../cataloger.js";
import { resolveApkDependencies } from "./dependencies.js";
import { parseApkInstalled } from "./installed.js";
import { apkPurl } from "./purl.js";

export { resolveApkDependencies, stripConstraint } from "./dependencies.js";
export { type ApkEntry, parseApkInstalled } from "./installed.js";
export { apkPurl } from "./purl.js";

const INSTALLED_DB = "/lib/apk/db/installed";

export const apkCataloger: Cataloger = {
  name: "apk",
  wants: (file: FileInfo) => file.path === INSTALLED_DB,
  catalog(resolver: FileResolver, context: CatalogContext): Package[] {
    const info = resolver.info(INSTALLED_DB);
    const bytes = resolver.read(INSTALLED_DB);
    if (!info || !bytes) return [];
    const distro = context.distro ?? detectDistro(resolver);
    const { entries, warnings } = parseApkInstalled(bytes.toString("utf8"));
    for (const warning of warnings) context.warn(`apk: ${INSTALLED_DB}: ${warning}`, "PACKAGE_DB_INVALID");
    const dependencies = resolveApkDependencies(entries);
    return entries.map((entry) => {
      const pkg: Package = {
        type: "apk",
        name: entry.name,
        version: entry.version,
        purl: apkPurl(entry, distro),
        licenses: entry.license ? [entry.license] : [],
        source: { name: entry.origin ?? entry.name, version: entry.version },
        cataloger: "apk",
        locations: [locationOf(info)],
      };
      if (entry.arch) pkg.arch = entry.arch;
      const dependsOn = dependencies.get(entry.name) ?? [];
      if (dependsOn.length > 0) pkg.dependsOn = dependsOn;
      if (entry.commit) pkg.metadata = { commit: entry.commit };
      return pkg;
    });
  },
};
