import { PortcullisError } from "../core/index.js";

/**
 * Codes for the admission domain.
 * - REVIEW_INVALID: the body is not an AdmissionReview we can answer (not JSON, wrong apiVersion or
 *   kind, no request, a field of the wrong type). The server answers 400: without a valid uid there is
 *   no AdmissionResponse to send, and the API server then applies the webhook's failurePolicy.
 * - OBJECT_INVALID: the review is well formed but its workload object is not (a container list that
 *   is not a list, an object whose kind contradicts the request). Also 400, for the same reason.
 * - CONFIG_INVALID: options for rendering webhook configurations or certificate commands are wrong
 *   (a programming or operator error, reported before anything is printed).
 */
export type AdmissionErrorCode = "REVIEW_INVALID" | "OBJECT_INVALID" | "CONFIG_INVALID";

export class AdmissionError extends PortcullisError<AdmissionErrorCode> {}
