import type { PackageDraft } from "../language-files.js";
import { Drafts } from "../npm/package-lock.js";

/**
 * Bundler's Gemfile.lock (bundler.io/man/gemfile.5.html, and Bundler's LockfileParser): sections
 * start at an unindented name; in a GEM section, `  specs:` lists each resolved gem at four spaces
 * as `name (version)` and its dependencies at six. Only GEM sections are read: GIT and PATH specs
 * are built from source, not fetched from a gem server under that version.
 */
export function parseGemfileLock(text: string): PackageDraft[] {
  const drafts = new Drafts();
  let inGem = false;
  let inSpecs = false;
  let current: PackageDraft | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    if (!line.startsWith(" ")) {
      inGem = line === "GEM";
      inSpecs = false;
      current = undefined;
      continue;
    }
    if (!inGem) continue;
    if (/^ {2}\S/.test(line)) {
      inSpecs = line.trim() === "specs:";
      continue;
    }
    if (!inSpecs) continue;
    const spec = /^ {4}(\S+) \(([^)]+)\)$/.exec(line);
    if (spec) {
      // "nokogiri (1.16.0-x86_64-linux)": the platform follows the version after a "-", which
      // RubyGems versions never contain.
      const version = spec[2]!.split("-")[0]!;
      const before = drafts.list.length;
      drafts.add(spec[1]!, version, [], []);
      current = drafts.list.length > before ? drafts.list.at(-1) : undefined;
      continue;
    }
    const dependency = /^ {6}(\S+)/.exec(line);
    if (dependency && current && !current.dependsOn?.includes(dependency[1]!))
      current.dependsOn?.push(dependency[1]!);
  }
  return drafts.list;
}
