import type { RequestInput } from "./facts.js";
import type { Policy, PolicyRule } from "./model.js";

/**
 * The rule that applies to a request, most specific first, as Binary Authorization orders them:
 * service account (`namespace:name`), then namespace, then cluster, then the default rule.
 */
export function selectRule(policy: Policy, request: RequestInput): PolicyRule {
  const { namespace, serviceAccount, cluster } = request;
  if (namespace !== undefined && serviceAccount !== undefined) {
    const rule = policy.serviceAccountRules.get(`${namespace}:${serviceAccount}`);
    if (rule) return rule;
  }
  if (namespace !== undefined) {
    const rule = policy.namespaceRules.get(namespace);
    if (rule) return rule;
  }
  if (cluster !== undefined) {
    const rule = policy.clusterRules.get(cluster);
    if (rule) return rule;
  }
  return policy.defaultRule;
}
