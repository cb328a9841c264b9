import type { Decision, Policy } from "../../policy/index.js";

/**
 * "Certified images only": a project's setting naming one of the named policies (`policy.library`),
 * which the registry's push and pull gates apply to the project's repositories besides `policy.push`
 * and `policy.pull`. The registry gates know projects only through these functions (app/ wires them to
 * the accounts' snapshot), and policies only by name.
 */
export interface CertifiedPolicies {
  /**
   * The policy name the repository's project requires (its `certifiedPolicy`), undefined when it
   * requires none. Read per request, so it must be cheap (AccessControl's snapshot). A throw refuses.
   */
  readonly required: (repository: string) => Promise<string | undefined>;
  /** The policy loaded under `name` now; undefined when none is (the project is then refused). */
  readonly named: (name: string) => Policy | undefined;
  /** Every name loaded now, for the refusal's message. */
  readonly names: () => readonly string[];
}

/** What a repository's project requires: nothing, a loaded policy, or a refusal (fail closed). */
export type CertifiedChoice =
  | undefined
  | { readonly name: string; readonly policy: Policy }
  | { readonly name?: string; readonly refusal: string };

/** The first component of a repository name: its project (as auth's projectOf, which app/gates cannot see). */
const projectOf = (repository: string) => repository.split("/", 1)[0] as string;

export async function certifiedChoice(
  certified: CertifiedPolicies,
  repository: string,
): Promise<CertifiedChoice> {
  let name: string | undefined;
  try {
    name = await certified.required(repository);
  } catch (err) {
    return {
      refusal: `the settings of project ${projectOf(repository)} could not be read (certified images only): ${(err as Error).message}`,
    };
  }
  if (name === undefined) return undefined;
  const policy = certified.named(name);
  if (policy) return { name, policy };
  const known = certified.names();
  return {
    name,
    refusal:
      `project ${projectOf(repository)} accepts certified images only, under policy ${JSON.stringify(name)}, ` +
      `which is not loaded (policy.library holds ${known.length > 0 ? known.join(", ") : "no policy"}): refused until it is`,
  };
}

/** The words before a certified decision's reason: which policy of which project decided. */
export function certifiedLabel(repository: string, name: string): string {
  return `certified policy ${name} of project ${projectOf(repository)}`;
}

/** A decision naming the certified policy that made it, in its reason (the audit log's and the client's). */
export function labelled(decision: Decision, label: string): Decision {
  return { ...decision, reason: `${label}: ${decision.reason}` };
}

/** The decision recorded when a project's certified policy cannot be applied: denied, never allowed. */
export function refusedDecision(reason: string): Decision {
  return {
    allowed: false,
    effect: "deny",
    verdict: "fail",
    mode: "enforce",
    evaluationMode: "require",
    ruleSource: "certifiedPolicy",
    rules: [{ rule: "certifiedPolicy", passed: false, reason }],
    reason,
    policyDigest: "",
  };
}
