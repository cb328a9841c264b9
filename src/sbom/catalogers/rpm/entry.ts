import { parseRpmHeader, RpmTag, type RpmTagValue } from "./header.js";

/** One installed rpm, the fields an SBOM and vulnerability matching need. */
export interface RpmEntry {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  /** SOURCERPM, e.g. "bash-5.1.8-6.el9.src.rpm". */
  sourceRpm?: string;
  license?: string;
  vendor?: string;
  summary?: string;
  size?: number;
  modularityLabel?: string;
  provides: string[];
  requires: string[];
}

const WANTED = new Set<number>(Object.values(RpmTag));

/** Decodes one header blob; throws SbomError when the blob is malformed or lacks NAME/VERSION/RELEASE. */
export function rpmEntryFromHeader(blob: Uint8Array): RpmEntry {
  const tags = parseRpmHeader(blob, WANTED);
  const name = text(tags.get(RpmTag.NAME));
  const version = text(tags.get(RpmTag.VERSION));
  const release = text(tags.get(RpmTag.RELEASE));
  const entry: RpmEntry = {
    name: name ?? "",
    version: version ?? "",
    release: release ?? "",
    provides: list(tags.get(RpmTag.PROVIDENAME)),
    requires: list(tags.get(RpmTag.REQUIRENAME)),
  };
  const epoch = firstNumber(tags.get(RpmTag.EPOCH));
  if (epoch !== undefined) entry.epoch = epoch;
  const size = firstNumber(tags.get(RpmTag.SIZE));
  if (size !== undefined) entry.size = size;
  const optional: Array<
    [number, "arch" | "sourceRpm" | "license" | "vendor" | "summary" | "modularityLabel"]
  > = [
    [RpmTag.ARCH, "arch"],
    [RpmTag.SOURCERPM, "sourceRpm"],
    [RpmTag.LICENSE, "license"],
    [RpmTag.VENDOR, "vendor"],
    [RpmTag.SUMMARY, "summary"],
    [RpmTag.MODULARITYLABEL, "modularityLabel"],
  ];
  for (const [tag, field] of optional) {
    const value = text(tags.get(tag));
    if (value) entry[field] = value;
  }
  return entry;
}

/** "[epoch:]version-release", the EVR string rpm, grype and trivy compare. */
export function rpmEvr(entry: Pick<RpmEntry, "epoch" | "version" | "release">): string {
  const vr = `${entry.version}-${entry.release}`;
  return entry.epoch === undefined ? vr : `${entry.epoch}:${vr}`;
}

/**
 * Splits a source rpm file name, "<name>-<version>-<release>.src.rpm" (or .nosrc.rpm), into the
 * source package name and its "version-release". Names contain dashes, versions and releases
 * cannot (rpm forbids "-" in both), so the last two dashes separate the parts.
 */
export function parseSourceRpm(sourceRpm: string): { name: string; version: string } | undefined {
  const base = /^(.+)\.(?:no)?src\.rpm$/.exec(sourceRpm)?.[1];
  if (!base) return undefined;
  const releaseDash = base.lastIndexOf("-");
  const versionDash = releaseDash > 0 ? base.lastIndexOf("-", releaseDash - 1) : -1;
  if (versionDash <= 0) return undefined;
  return { name: base.slice(0, versionDash), version: base.slice(versionDash + 1) };
}

function text(value: RpmTagValue | undefined): string | undefined {
  if (typeof value === "string") return value;
  // I18NSTRING is an array of translations, the first being the C locale.
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return undefined;
}

function list(value: RpmTagValue | undefined): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return typeof value === "string" ? [value] : [];
}

function firstNumber(value: RpmTagValue | undefined): number | undefined {
  return Array.isArray(value) && typeof value[0] === "number" ? value[0] : undefined;
}
