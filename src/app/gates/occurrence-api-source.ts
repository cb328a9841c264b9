import type { EvidenceSubject, OccurrenceEvidence, OccurrenceSource } from "../../evidence/index.js";
import { GateError } from "./errors.js";
import {
  type ApiScanSourceOptions,
  errorCode,
  manifestGetter,
  parseJson,
  summary,
} from "./scan-api-source.js";

const MAX_BYTES = 4 * 1024 * 1024;
const MAX_OCCURRENCES = 1000;

/**
 * The `occurrences` evidence port over a running Portcullis server: the outside occurrences posted
 * about the image there (GET /api/v1/repositories/{name}/manifests/{digest}/occurrences), read by
 * `verify --policy` and an admission webhook given `--scan-api URL`, as the registry's own gates read
 * the store. A server that does not hold the image has none for it (404: an empty list, so the
 * requirement fails as unmet); anything else unexpected throws, and the requirement fails closed.
 */
export function apiOccurrenceSource(options: ApiScanSourceOptions): OccurrenceSource {
  const get = manifestGetter(options, MAX_BYTES, unavailable);
  return {
    async occurrences(subject: EvidenceSubject, signal: AbortSignal): Promise<OccurrenceEvidence[]> {
      const { url, res, text } = await get(subject, "occurrences", signal);
      if (res.status === 404) {
        const code = errorCode(text);
        if (code === "MANIFEST_UNKNOWN" || code === "NAME_UNKNOWN") return [];
      }
      if (res.status !== 200) throw unavailable(`GET ${url} answered ${res.status}${summary(text)}`);
      return fromAnswer(parseJson(text, url, res.status), url);
    },
  };
}

function unavailable(message: string, cause?: unknown): GateError {
  return new GateError("OCCURRENCES_UNAVAILABLE", message, cause === undefined ? {} : { cause });
}

/** `{ occurrences: [{ noteName, kind, author, digest, createTime? }] }`, checked field by field. */
function fromAnswer(body: unknown, url: string): OccurrenceEvidence[] {
  const list = (body as { occurrences?: unknown } | null)?.occurrences;
  if (!Array.isArray(list)) throw unavailable(`GET ${url} answered 200 without an occurrences list`);
  return list.slice(0, MAX_OCCURRENCES).map((raw: unknown, i) => {
    const o = (raw ?? {}) as Record<string, unknown>;
    for (const field of ["noteName", "kind", "author", "digest"]) {
      if (typeof o[field] !== "string") throw unavailable(`GET ${url}: occurrence ${i} has no ${field}`);
    }
    return {
      noteName: o.noteName as string,
      kind: o.kind as string,
      author: o.author as string,
      digest: o.digest as string,
      ...(typeof o.createTime === "string" ? { createTime: o.createTime } : {}),
    };
  });
}
