import { AdmissionError } from "../../admission/index.js";

/** The admission domain as the server uses it, in one place. */
export { type AdmissionDecider, type AdmissionMode, admit, MAX_REVIEW_BYTES } from "../../admission/index.js";

/** REVIEW_INVALID and OBJECT_INVALID: the body is not a review we can answer (400). */
export function isPortcullisAdmissionError(err: unknown): err is AdmissionError {
  return err instanceof AdmissionError;
}
