import { mergeAuditAnnotations } from "./audit-annotations.js";
import type { AdmissionMode, ImageDecision, ResponseOptions, Verdict, WorkloadDecision } from "./decision.js";
import { extractFacts } from "./extract.js";
import type { AdmissionFacts, ContainerImage, RefusedReview, WorkloadFacts } from "./facts.js";
import { buildImagePatch, encodePatch, imagesToPin } from "./patch.js";
import type { AdmissionApiVersion, AdmissionReview } from "./review.js";

/**
 * AdmissionResponse (k8s.io/api/admission/v1): the uid and apiVersion echo the request's. A denial
 * carries a metav1.Status with code 403 and every reason; warn verdicts become warnings (shown by
 * kubectl, sent as HTTP Warning headers, so kept short and printable); the mutating side answers a
 * base64 JSON Patch. The API server prefixes our message with `admission webhook "<name>" denied the
 * request: `, so the message starts with the workload.
 */

export interface AdmissionStatus {
  code: number;
  message: string;
  reason?: string;
  status?: "Success" | "Failure";
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  patch?: string;
  patchType?: "JSONPatch";
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: AdmissionApiVersion;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

/** Kubernetes truncates warnings past 256 characters and advises 120; the message has no hard limit. */
export const WARNING_MAX_LENGTH = 256;
export const MAX_WARNINGS = 32;
export const MESSAGE_MAX_LENGTH = 16 * 1024;

const RANK: Record<Verdict, number> = { allow: 0, warn: 1, deny: 2 };

function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), "allow");
}

/** Printable text only: reasons may quote object content, and warnings travel in HTTP headers. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describeImage(image: ContainerImage): string {
  const shown = image.canonical ?? (image.image === "" ? "(no image)" : image.image);
  return `${image.containerType} ${JSON.stringify(image.containerName)} (${shown})`;
}

function describeWorkload(facts: WorkloadFacts): string {
  const name = facts.name !== "" ? facts.name : `${facts.generateName ?? ""}*`;
  return `${facts.kind} ${facts.namespace === "" ? name : `${facts.namespace}/${name}`}`;
}

const NO_DECISION: Omit<ImageDecision, "path"> = {
  verdict: "deny",
  reasons: ["no policy decision was made for this image (failing closed)"],
};

interface Judged {
  image?: ContainerImage;
  verdict: Verdict;
  reasons: string[];
}

function judge(
  facts: WorkloadFacts,
  byPath: ReadonlyMap<string, ImageDecision>,
  decision?: WorkloadDecision,
) {
  const judged: Judged[] = facts.images.map((image) => {
    const d = byPath.get(image.path) ?? NO_DECISION;
    return { image, verdict: d.verdict, reasons: d.reasons };
  });
  if (decision === undefined) {
    judged.push({ verdict: "deny", reasons: ["no policy decision was made (failing closed)"] });
  } else if (decision.workload !== undefined) {
    judged.push({ verdict: decision.workload.verdict, reasons: decision.workload.reasons });
  }
  return judged;
}

function line(j: Judged): string {
  const what = j.image === undefined ? "pod" : describeImage(j.image);
  const why = j.reasons.length === 0 ? "no reason given" : j.reasons.join("; ");
  return printable(`${what}: ${why}`);
}

function imageRecord(facts: WorkloadFacts, byPath: ReadonlyMap<string, ImageDecision>): string {
  return JSON.stringify(
    facts.images.map((image) => {
      const d = byPath.get(image.path);
      return {
        path: image.path,
        image: image.canonical ?? image.image,
        verdict: d?.verdict ?? NO_DECISION.verdict,
        ...(d?.digest === undefined ? {} : { digest: d.digest }),
      };
    }),
  );
}

/** allowed: true with no patch: for skipped reviews (unknown kinds, DELETE...) and for errors upstream. */
export function allowResponse(review: AdmissionReview, auditAnnotations?: Record<string, string>) {
  const response: AdmissionResponse = { uid: review.request.uid, allowed: true };
  if (auditAnnotations !== undefined) response.auditAnnotations = mergeAuditAnnotations(auditAnnotations);
  return envelope(review, response);
}

/**
 * A workload refused unread (limits.ts): denied in validate mode; in mutate mode allowed unpinned, as
 * every mutate answer is (the validating webhook denies it), with the reason as a warning.
 */
function refusedResponse(
  review: AdmissionReview,
  facts: RefusedReview,
  mode: AdmissionMode,
): AdmissionReviewResponse {
  const where = facts.namespace === "" ? facts.name : `${facts.namespace}/${facts.name}`;
  const message = printable(`${facts.kind} ${where}: ${facts.reason}`);
  const response: AdmissionResponse = { uid: review.request.uid, allowed: mode === "mutate" };
  if (mode === "mutate") {
    response.auditAnnotations = mergeAuditAnnotations({ refused: facts.reason });
    response.warnings = [cap(message, WARNING_MAX_LENGTH)];
  } else {
    response.auditAnnotations = mergeAuditAnnotations({ decision: "deny", refused: facts.reason });
    const status = { code: 403, reason: "Forbidden", status: "Failure" } as const;
    response.status = { ...status, message: cap(message, MESSAGE_MAX_LENGTH) };
  }
  return envelope(review, response);
}

function envelope(review: AdmissionReview, response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: review.apiVersion, kind: "AdmissionReview", response };
}

/**
 * The response to a review given the decider's answer. Validate: denied when any image (or an image
 * without a decision, or the pod) is denied; warnings for warn verdicts. Mutate: always allowed
 * (denial is the validating webhook's job, which sees the pinned object), with a patch pinning
 * every image whose decision carries a digest. A review with nothing to check is allowed; a workload
 * with no decision at all is denied in validate mode. Throws AdmissionError OBJECT_INVALID as
 * extractFacts does.
 */
export function reviewToResponse(
  review: AdmissionReview,
  decisions: WorkloadDecision | undefined,
  mode: AdmissionMode,
  options: ResponseOptions = {},
): AdmissionReviewResponse {
  return respond(review, extractFacts(review), decisions, mode, options);
}

/** reviewToResponse for facts already extracted from this review (admit() extracts them once). */
export function respond(
  review: AdmissionReview,
  facts: AdmissionFacts,
  decisions: WorkloadDecision | undefined,
  mode: AdmissionMode,
  options: ResponseOptions = {},
): AdmissionReviewResponse {
  if (facts.type === "skipped") return allowResponse(review);
  if (facts.type === "refused") return refusedResponse(review, facts, mode);
  const byPath = new Map((decisions?.images ?? []).map((d) => [d.path, d]));
  const uid = review.request.uid;
  const extra = decisions?.auditAnnotations ?? {};

  if (mode === "mutate") {
    const keepTag = options.mutate?.keepTag ?? false;
    const pins = imagesToPin(facts, byPath, keepTag);
    const response: AdmissionResponse = { uid, allowed: true };
    const ops = buildImagePatch(facts, review.request.object ?? {}, pins, options.mutate ?? {});
    if (ops.length > 0) {
      response.patch = encodePatch(ops);
      response.patchType = "JSONPatch";
    }
    const ours: Record<string, string> = pins.length === 0 ? {} : { "pinned-images": JSON.stringify(pins) };
    const annotations = mergeAuditAnnotations(ours, extra);
    if (Object.keys(annotations).length > 0) response.auditAnnotations = annotations;
    return envelope(review, response);
  }

  const judged = judge(facts, byPath, decisions);
  const verdict = worst(judged.map((j) => j.verdict));
  const response: AdmissionResponse = { uid, allowed: verdict !== "deny" };
  response.auditAnnotations = mergeAuditAnnotations(
    { decision: verdict, images: imageRecord(facts, byPath) },
    extra,
  );
  if (verdict === "deny") {
    const denied = judged.filter((j) => j.verdict === "deny").map(line);
    response.status = {
      code: 403,
      reason: "Forbidden",
      status: "Failure",
      message: cap(`${printable(describeWorkload(facts))}: ${denied.join(" | ")}`, MESSAGE_MAX_LENGTH),
    };
  }
  const warned = judged.filter((j) => j.verdict === "warn").map(line);
  if (warned.length > 0) {
    const shown = warned.slice(0, MAX_WARNINGS).map((w) => cap(w, WARNING_MAX_LENGTH));
    if (warned.length > MAX_WARNINGS) shown.push(`and ${warned.length - MAX_WARNINGS} more warnings`);
    response.warnings = shown;
  }
  return envelope(review, response);
}
