import { matchesImage, type Policy, type PolicyRule } from "../../policy/index.js";
import type { LoadedPolicy } from "../policies.js";

/**
 * A policy's per-vulnerability exception (`require.scan.exceptions: [{id, repository|digest, until,
 * reason}]`) that names a finding of an image: which policy and rule hold it, and whether it is still in
 * force. The scan rule (policy/rules/scan.ts) skips a finding while one is in force; the console shows them.
 */
export interface FindingException {
  /** The policy's name in the catalog: `push`, `pull`, `admission` or a named policy. */
  readonly policy: string;
  /** `defaultRule`, `namespaceRules.<ns>`, ... */
  readonly rule: string;
  readonly id: string;
  readonly reason: string;
  /** As the policy wrote it. */
  readonly until: string;
  readonly inForce: boolean;
}

/** The image the exceptions are matched against: as the registry's gates name it. */
export interface ExceptedImage {
  readonly registry: string;
  readonly repository: string;
  readonly digest: string;
}

function rulesOf(policy: Policy): PolicyRule[] {
  return [
    policy.defaultRule,
    ...policy.namespaceRules.values(),
    ...policy.serviceAccountRules.values(),
    ...policy.clusterRules.values(),
  ];
}

/**
 * The exceptions the loaded policies hold for `image`, by vulnerability id: a finding's id or any of its
 * aliases looks them up (as exceptionFor in the scan rule matches them). Matching by digest, and by
 * repository pattern as an image without a tag (a pattern with a tag cannot match a digest alone).
 */
export function exceptionsFor(
  policies: readonly LoadedPolicy[],
  image: ExceptedImage,
  now: number,
): (finding: { readonly id: string; readonly aliases: readonly string[] }) => FindingException[] {
  const byId = new Map<string, FindingException[]>();
  for (const loaded of policies) {
    for (const rule of rulesOf(loaded.policy)) {
      for (const e of rule.require.scan?.exceptions ?? []) {
        if (e.digest !== undefined && e.digest !== image.digest) continue;
        if (e.repository !== undefined && !matchesImage(e.repository, image)) continue;
        const list = byId.get(e.id) ?? [];
        list.push({
          policy: loaded.name,
          rule: rule.source,
          id: e.id,
          reason: e.reason,
          until: e.untilText,
          inForce: now < e.until,
        });
        byId.set(e.id, list);
      }
    }
  }
  return (finding) => [finding.id, ...finding.aliases].flatMap((id) => byId.get(id) ?? []);
}
