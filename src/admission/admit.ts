import type { AdmissionDecider, AdmissionMode, ResponseOptions } from "./decision.js";
import { type ExtractOptions, extractFacts } from "./extract.js";
import type { AdmissionFacts } from "./facts.js";
import { type AdmissionReviewResponse, respond } from "./response.js";
import { parseAdmissionReview } from "./review.js";

export interface AdmitResult {
  response: AdmissionReviewResponse;
  /** What was decided on, for the audit record (skipped reviews included). */
  facts: AdmissionFacts;
}

export interface AdmitOptions extends ResponseOptions, ExtractOptions {}

/**
 * One admission request end to end: validate the decoded body, extract the facts, ask the decider
 * (only for workloads), answer. Throws AdmissionError REVIEW_INVALID or OBJECT_INVALID (answer 400)
 * and whatever the decider throws (the server's failure policy: answer 500, or deny with the error).
 */
export async function admit(
  body: unknown,
  decide: AdmissionDecider,
  mode: AdmissionMode,
  options: AdmitOptions = {},
): Promise<AdmitResult> {
  const review = parseAdmissionReview(body);
  const facts = extractFacts(review, options);
  if (facts.type !== "workload") return { response: respond(review, facts, undefined, mode, options), facts };
  const decision = await decide(facts);
  return { response: respond(review, facts, decision, mode, options), facts };
}
