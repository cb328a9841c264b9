import { PackageURL } from "packageurl-js";

/**
 * Builds a package URL (github.com/package-url/purl-spec). packageurl-js validates per type and,
 * in 2.0.1, crashes with a ReferenceError on a golang version like "v1.2" (its validator refers to
 * an undefined `throws`); such versions come from binaries we do not control, so a failure falls
 * back to the spec's plain percent-encoding instead of losing the package.
 */
export function packageUrl(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string,
): string {
  try {
    return new PackageURL(
      type,
      namespace || undefined,
      name,
      version || undefined,
      undefined,
      undefined,
    ).toString();
  } catch {
    const ns = namespace ? `${namespace.split("/").map(encodeURIComponent).join("/")}/` : "";
    return `pkg:${type}/${ns}${encodeURIComponent(name)}${version ? `@${encodeURIComponent(version)}` : ""}`;
  }
}

/** Splits a Go module path on its last slash, as the purl spec's golang type does. */
export function golangPurl(modulePath: string, version: string): string {
  const slash = modulePath.lastIndexOf("/");
  return slash < 0
    ? packageUrl("golang", undefined, modulePath, version)
    : packageUrl("golang", modulePath.slice(0, slash), modulePath.slice(slash + 1), version);
}
