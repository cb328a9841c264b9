import type { ApkEntry } from "./installed.js";

/**
 * Resolves apk dependencies to installed package names. A dependency is "[!]name[op version]"
 * where op is one of = < > ~ and their combinations (apk-tools src/package.c,
 * apk_dep_from_blob); "!" marks a conflict, not a dependency. Names may be virtual
 * ("so:libc.musl-x86_64.so.1", "cmd:sh", "pc:zlib", "/bin/sh"): those are resolved through the
 * p: provides of the installed packages; a name nothing installed provides is dropped.
 */
export function resolveApkDependencies(entries: readonly ApkEntry[]): Map<string, string[]> {
  const installed = new Set(entries.map((entry) => entry.name));
  const providers = new Map<string, string>();
  for (const entry of entries) {
    for (const provided of entry.provides) {
      const name = stripConstraint(provided);
      if (name && !providers.has(name)) providers.set(name, entry.name);
    }
  }
  const resolved = new Map<string, string[]>();
  for (const entry of entries) {
    const names = new Set<string>();
    for (const dependency of entry.depends) {
      if (dependency.startsWith("!")) continue;
      const name = stripConstraint(dependency);
      if (!name) continue;
      const target = installed.has(name) ? name : providers.get(name);
      if (target !== undefined && target !== entry.name) names.add(target);
    }
    resolved.set(entry.name, [...names]);
  }
  return resolved;
}

/** "musl>=1.2.3" -> "musl"; "so:libz.so.1=1.3" -> "so:libz.so.1"; "foo@testing" -> "foo" (a pinned repository tag). */
export function stripConstraint(dependency: string): string {
  return dependency.split(/[<>=~@]/, 1)[0]!.trim();
}
