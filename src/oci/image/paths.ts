/**
 * Path handling for image file systems. Layer tars name entries relative to the root ("./usr/bin",
 * "usr/bin/"), but hostile layers may use absolute names or ".." to reach outside it. Every name is
 * normalised as if the root were a chroot: "/" and ".." at the top stay at "/", so no path ever
 * escapes the image.
 */

export interface NormalisedPath {
  /** Absolute, normalised ("/a/b"); "/" for the root itself. */
  path: string;
  /** The name was absolute or climbed above the root with "..". */
  escaped: boolean;
}

export function normalisePath(name: string, base = "/"): NormalisedPath {
  const parts: string[] = [];
  let escaped = false;
  const absolute = name.startsWith("/");
  if (!absolute && base !== "/") parts.push(...base.split("/").filter((s) => s !== ""));
  for (const segment of name.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) escaped = true;
      else parts.pop();
      continue;
    }
    parts.push(segment);
  }
  return { path: `/${parts.join("/")}`, escaped };
}

/** "/a/b/c" → "/a/b"; "/a" → "/". */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/** "/a/b/c" → "c". */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Strict ancestors of a path, nearest first: "/a/b/c" → "/a/b", "/a". The root is not included. */
export function* ancestors(path: string): Generator<string> {
  let current = parentOf(path);
  while (current !== "/") {
    yield current;
    current = parentOf(current);
  }
}

/** Byte-wise path order, so listings are stable across platforms and locales. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
