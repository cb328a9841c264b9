import { PortcullisError } from "../core/index.js";

/**
 * Codes of the policy domain: POLICY_INVALID for a policy file that is not valid YAML, breaks the
 * schema, or holds a CEL expression or image pattern that does not compile (the message names file,
 * line and key); CASE_INVALID for a recorded policy test case that breaks its schema.
 */
export type PolicyErrorCode = "POLICY_INVALID" | "CASE_INVALID";

export class PolicyError extends PortcullisError<PolicyErrorCode> {}
