import type { Platform } from "../../oci/index.js";
import { type IncompleteReason, MAX_INCOMPLETE_REASONS } from "../completeness.js";
import type { SbomSubject, SubjectKind, SubjectLayer } from "./document.js";
import {
  INCOMPLETE_PROP,
  incompleteProp,
  LABEL_PREFIX,
  LAYER_PROP,
  labelProp,
  layerProp,
  type NameValue,
  PROP,
  propertyValue,
} from "./properties.js";

/**
 * The subject's facts without a field in either format (kind, index digest, platform, labels,
 * layers) as name/value pairs, and back. Both writers emit them; both readers decode them.
 */

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SUBJECT_KINDS: readonly string[] = ["image", "directory", "archive"];

/** The reasons a document is incomplete, as indexed pairs on the subject (written after its facts). */
export function incompleteFacts(incomplete: readonly IncompleteReason[] | undefined): NameValue[] {
  return (incomplete ?? []).flatMap((reason, i) => [
    { name: incompleteProp(i, "code"), value: reason.code },
    { name: incompleteProp(i, "message"), value: reason.message },
  ]);
}

/**
 * The reasons back from the subject's pairs; undefined when there are none. A reason whose message
 * was lost still counts (its code alone says the document is incomplete).
 */
export function incompleteFromFacts(facts: readonly NameValue[]): IncompleteReason[] | undefined {
  const reasons = new Map<number, Partial<IncompleteReason>>();
  for (const { name, value } of facts) {
    const m = INCOMPLETE_PROP.exec(name);
    if (!m) continue;
    const index = Number(m[1]);
    const reason = reasons.get(index) ?? {};
    if (m[2] === "code") reason.code = value;
    else reason.message = value;
    reasons.set(index, reason);
  }
  const list = [...reasons.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, r]) => ({ code: r.code || "INCOMPLETE", message: r.message ?? "" }))
    .slice(0, MAX_INCOMPLETE_REASONS);
  return list.length > 0 ? list : undefined;
}

export function subjectFacts(subject: SbomSubject): NameValue[] {
  const facts: NameValue[] = [{ name: PROP.subjectKind, value: subject.kind }];
  if (subject.indexDigest) facts.push({ name: PROP.indexDigest, value: subject.indexDigest });
  if (subject.platform) {
    facts.push({ name: PROP.platformOs, value: subject.platform.os });
    facts.push({ name: PROP.platformArchitecture, value: subject.platform.architecture });
    if (subject.platform.variant) facts.push({ name: PROP.platformVariant, value: subject.platform.variant });
    const osVersion = subject.platform["os.version"];
    if (osVersion) facts.push({ name: PROP.platformOsVersion, value: osVersion });
  }
  for (const key of Object.keys(subject.labels ?? {}).sort()) {
    facts.push({ name: labelProp(key), value: subject.labels![key]! });
  }
  for (const layer of [...(subject.layers ?? [])].sort((a, b) => a.index - b.index)) {
    facts.push({ name: layerProp(layer.index, "digest"), value: layer.digest });
    facts.push({ name: layerProp(layer.index, "size"), value: String(layer.size) });
  }
  return facts;
}

/** The digest in a `pkg:oci/name@sha256%3A…` purl, or the value itself when it is a digest. */
function digestIn(candidate: string | undefined): string | undefined {
  if (!candidate) return undefined;
  if (candidate.startsWith("pkg:oci/")) {
    const version = candidate.split("?")[0]!.split("@")[1];
    try {
      return version ? digestIn(decodeURIComponent(version)) : undefined;
    } catch {
      return undefined;
    }
  }
  return DIGEST.test(candidate) ? candidate : undefined;
}

export interface SubjectHints {
  fallbackKind: SubjectKind;
  name: string;
  /** Values that may hold the manifest digest (a version field, a purl, Trivy's RepoDigest). */
  candidates: (string | undefined)[];
}

export function subjectFromFacts(facts: readonly NameValue[], hints: SubjectHints): SbomSubject {
  const declared = propertyValue(facts, PROP.subjectKind);
  const kind = declared && SUBJECT_KINDS.includes(declared) ? (declared as SubjectKind) : hints.fallbackKind;
  const subject: SbomSubject = { kind, name: hints.name };
  const digest = hints.candidates.map(digestIn).find((d) => d !== undefined);
  if (digest) subject.digest = digest;
  const indexDigest = propertyValue(facts, PROP.indexDigest);
  if (indexDigest) subject.indexDigest = indexDigest;
  const os = propertyValue(facts, PROP.platformOs);
  const architecture = propertyValue(facts, PROP.platformArchitecture);
  if (os && architecture) {
    const platform: Platform = { architecture, os };
    const variant = propertyValue(facts, PROP.platformVariant);
    if (variant) platform.variant = variant;
    const osVersion = propertyValue(facts, PROP.platformOsVersion);
    if (osVersion) platform["os.version"] = osVersion;
    subject.platform = platform;
  }
  const labels: Record<string, string> = {};
  const layers = new Map<number, Partial<SubjectLayer>>();
  for (const { name, value } of facts) {
    if (name.startsWith(LABEL_PREFIX)) labels[name.slice(LABEL_PREFIX.length)] = value;
    const m = LAYER_PROP.exec(name);
    if (!m) continue;
    const index = Number(m[1]);
    const layer = layers.get(index) ?? { index };
    if (m[2] === "digest") layer.digest = value;
    else layer.size = Number(value);
    layers.set(index, layer);
  }
  if (Object.keys(labels).length > 0) subject.labels = labels;
  const complete = [...layers.values()].filter(
    (l): l is SubjectLayer => l.digest !== undefined && Number.isSafeInteger(l.size),
  );
  if (complete.length > 0) subject.layers = complete.sort((a, b) => a.index - b.index);
  return subject;
}
