/**
 * Reads the main section of a JAR manifest (JAR File Specification, "JAR Manifest": lines of
 * "Name: value", continuation lines starting with one space, sections separated by blank lines).
 * Attribute names are case-insensitive; we keep the spelling of their first appearance.
 */
export function parseManifest(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const seen = new Set<string>();
  let last: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (seen.size > 0) break; // end of the main section
      continue;
    }
    if (line.startsWith(" ")) {
      if (last !== undefined) attributes[last] += line.slice(1);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const name = line.slice(0, colon).trim();
    const key = name.toLowerCase();
    if (seen.has(key)) {
      last = undefined;
      continue;
    }
    seen.add(key);
    attributes[name] = line.slice(colon + 1).trim();
    last = name;
  }
  return attributes;
}

/** A manifest attribute by case-insensitive name, trimmed; undefined when absent or empty. */
export function attribute(manifest: Record<string, string> | undefined, name: string): string | undefined {
  if (!manifest) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(manifest)) {
    if (key.toLowerCase() === wanted) return value.trim() || undefined;
  }
  return undefined;
}

/** Reads a Java .properties file's simple "key=value" / "key: value" lines (pom.properties is no more). */
export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const at = line.search(/[=:]/);
    if (at <= 0) continue;
    properties[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return properties;
}
