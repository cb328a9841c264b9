import { EvidenceError } from "./errors.js";

/** Runs `lookup` with its own AbortSignal, rejecting with EVIDENCE_TIMEOUT after `timeoutMs`. */
export function withTimeout<T>(
  lookup: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  outer: AbortSignal | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    const stop = (err: EvidenceError) => {
      controller.abort(err);
      finish();
      reject(err);
    };
    const onAbort = () => stop(new EvidenceError("EVIDENCE_UNAVAILABLE", "the request was aborted"));
    const timer = setTimeout(
      () => stop(new EvidenceError("EVIDENCE_TIMEOUT", `timed out after ${timeoutMs}ms`)),
      timeoutMs,
    );
    const finish = () => {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    };
    if (outer?.aborted) return onAbort();
    outer?.addEventListener("abort", onAbort, { once: true });
    // A port that throws synchronously is a failed lookup like any other.
    Promise.resolve()
      .then(() => lookup(controller.signal))
      .then(
        (value) => {
          finish();
          resolve(value);
        },
        (err: unknown) => {
          finish();
          reject(err);
        },
      );
  });
}
