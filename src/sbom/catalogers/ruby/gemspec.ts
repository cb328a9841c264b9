import type { PackageDraft } from "../language-files.js";

/**
 * An installed gem's specification (`<GEM_HOME>/specifications/<name>-<version>.gemspec`), which
 * RubyGems writes as Ruby source (`Gem::Specification#to_ruby`). It is not evaluated: the fields
 * RubyGems writes are read line by line in the forms it writes them, e.g.
 *   s.name = "bundler".freeze
 *   s.version = "2.1.4"            (or Gem::Version.new("2.1.4"))
 *   s.licenses = ["MIT".freeze]
 *   s.add_runtime_dependency(%q<rack>.freeze, ["~> 2.0"])
 */
export function parseGemspec(text: string): PackageDraft[] {
  let name = "";
  let version = "";
  let licenses: string[] = [];
  const dependsOn = new Set<string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#")) continue;
    const assignment = /^\w+\.(name|version|licenses?)\s*=\s*(.*)$/.exec(line);
    if (assignment) {
      const [, field, value = ""] = assignment;
      const strings = rubyStrings(value);
      if (field === "name" && !name) name = strings[0] ?? "";
      else if (field === "version" && !version) version = strings[0] ?? "";
      else if (field === "license" || field === "licenses") licenses = strings;
      continue;
    }
    // add_development_dependency is deliberately not matched: it is not needed at run time.
    const dependency = /^\w+\.add_(?:runtime_)?dependency\b\s*\(?\s*(.*)$/.exec(line);
    const dependencyName = dependency ? rubyStrings(dependency[1] ?? "")[0] : undefined;
    if (dependencyName) dependsOn.add(dependencyName);
  }
  if (!name && !version) throw new Error("no s.name or s.version found");
  return [{ name, version, licenses: [...new Set(licenses)], dependsOn: [...dependsOn] }];
}

/** The string literals of a Ruby expression, in order: "x", 'x', %q<x>, %q{x}, %q(x), %q[x]. */
export function rubyStrings(expression: string): string[] {
  const strings: string[] = [];
  const literal =
    /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|%q<([^>]*)>|%q\{([^}]*)\}|%q\(([^)]*)\)|%q\[([^\]]*)\]/g;
  for (const match of expression.matchAll(literal)) {
    const value = match.slice(1).find((group) => group !== undefined) ?? "";
    strings.push(value.replace(/\\(.)/g, "$1"));
  }
  return strings;
}
