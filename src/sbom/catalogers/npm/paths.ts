/**
 * Which npm files a path names. This runs for every file of an image, so it tests the file name
 * first and splits the path only for the few that can matter.
 */
export type NpmFileKind = "installed" | "project-manifest" | "package-lock" | "yarn-lock" | "pnpm-lock";

export function npmFileKind(path: string): NpmFileKind | undefined {
  const base = path.slice(path.lastIndexOf("/") + 1);
  switch (base) {
    case "package.json":
      if (isInstalledManifest(path)) return "installed";
      // A project's own manifest, read only to tell a yarn.lock's production roots from its dev ones.
      return path.includes("/node_modules/") ? undefined : "project-manifest";
    case "package-lock.json":
    case "npm-shrinkwrap.json":
      return path.includes("/node_modules/") ? undefined : "package-lock";
    case "yarn.lock":
      return path.includes("/node_modules/") ? undefined : "yarn-lock";
    case "pnpm-lock.yaml":
      return path.includes("/node_modules/") ? undefined : "pnpm-lock";
    default:
      return undefined;
  }
}

/**
 * True for the manifest of an installed package: `node_modules/<name>/package.json` or
 * `node_modules/@scope/<name>/package.json`, nested through further `node_modules/` levels (npm's
 * hoisting layout) or pnpm's virtual store (`node_modules/.pnpm/<id>/node_modules/<name>/`). A
 * package.json anywhere else under node_modules (a package's own `lib/x/package.json`, a test
 * fixture tree) is not an installed package.
 */
export function isInstalledManifest(path: string): boolean {
  const parts = path.split("/");
  let at = parts.indexOf("node_modules");
  if (at < 0) return false;
  const last = parts.length - 1;
  if (parts[last] !== "package.json") return false;
  // `at` points at a "node_modules" segment; a package name (one or two segments) must follow.
  for (;;) {
    let segment = parts[at + 1];
    if (segment === ".pnpm") {
      if (!parts[at + 2] || parts[at + 3] !== "node_modules") return false;
      at += 3;
      segment = parts[at + 1];
    }
    if (!segment || segment.startsWith(".")) return false;
    let end = at + 1;
    if (segment.startsWith("@")) end += 1;
    if (end + 1 === last)
      return parts[end] !== undefined && parts[end] !== "" && !parts[end]!.startsWith(".");
    if (parts[end + 1] !== "node_modules") return false;
    at = end + 1;
  }
}
