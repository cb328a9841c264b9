import { isRecord, keysOf, type PackageDraft, stringOr } from "../language-files.js";

/**
 * A .NET application's `<app>.deps.json` (github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md).
 * `libraries` names every dependency as "Name/Version" with a `type`: "package" is a NuGet
 * package; "project" is the application or one of its own projects and "referenceassembly" a
 * framework facade, neither of which comes from NuGet. Dependency edges sit in `targets`, under
 * the same "Name/Version" keys, once per target framework (the runtime target first).
 */
export function parseDepsJson(text: string): PackageDraft[] {
  const deps: unknown = JSON.parse(text);
  if (!isRecord(deps) || !isRecord(deps.libraries)) throw new Error("deps.json has no libraries");
  const packages = new Map<string, { name: string; version: string }>();
  for (const [key, library] of Object.entries(deps.libraries)) {
    const slash = key.indexOf("/");
    if (slash <= 0 || !isRecord(library) || stringOr(library.type) !== "package") continue;
    packages.set(key, { name: key.slice(0, slash), version: key.slice(slash + 1) });
  }
  const packageNames = new Set([...packages.values()].map((pkg) => pkg.name));
  const targets = orderedTargets(deps);
  return [...packages].map(([key, { name, version }]) => {
    const dependsOn = new Set<string>();
    for (const target of targets) {
      const entry = target[key];
      if (isRecord(entry))
        for (const dep of keysOf(entry.dependencies, (dep) => packageNames.has(dep))) dependsOn.add(dep);
    }
    return { name, version, licenses: [], dependsOn: [...dependsOn] };
  });
}

function orderedTargets(deps: Record<string, unknown>): Record<string, unknown>[] {
  if (!isRecord(deps.targets)) return [];
  const runtime = isRecord(deps.runtimeTarget) ? stringOr(deps.runtimeTarget.name) : "";
  const names = Object.keys(deps.targets).sort((a, b) => Number(b === runtime) - Number(a === runtime));
  return names.map((name) => (deps.targets as Record<string, unknown>)[name]).filter(isRecord);
}
