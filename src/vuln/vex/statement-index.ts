import { PackageURL } from "packageurl-js";
import type { Finding } from "../model.js";
import type { OpenVexComponent, OpenVexDocument, OpenVexProduct, OpenVexStatement } from "./schema.js";

/**
 * OpenVEX statements indexed for applyVex: by vulnerability name and by the package they cover, so a
 * finding looks up only the statements that can concern it. Comparing every finding with every
 * statement (parsing both purls each time) did not finish for 2,000 statements about one
 * vulnerability and 2,000 findings; building this is linear in the statements' products and
 * subcomponents, and a look-up costs the finding's ids times the few statements under one key.
 *
 * What "covers" means is purlMatches: type, namespace and name agree, the VEX version (if any) is the
 * package's, and its qualifiers (if any) are among the package's; or the VEX id is the package's purl
 * verbatim. An image product (by digest) covers every package, or only its subcomponents when listed.
 */

/** A statement with its document, `order` its rank after sorting oldest first (higher wins). */
export interface RankedStatement {
  statement: OpenVexStatement;
  document: OpenVexDocument;
  order: number;
}

interface PurlTarget {
  ranked: RankedStatement;
  qualifiers: readonly (readonly [string, string])[];
}

const SEP = "\u0000";

/** "sha256:<hex>", "pkg:oci/name@sha256%3A<hex>" or "registry/repo@sha256:<hex>" → "sha256:<hex>". */
export function digestOf(id: string): string | undefined {
  const match = /sha256(?::|%3A)([0-9a-f]{64})/i.exec(id);
  return match ? `sha256:${match[1]!.toLowerCase()}` : undefined;
}

export function idsOf(item: OpenVexProduct | OpenVexComponent): string[] {
  if (typeof item === "string") return [item];
  return [item["@id"], item.identifiers?.purl].filter((id): id is string => id !== undefined);
}

function vulnerabilityNames(statement: OpenVexStatement): string[] {
  const v = statement.vulnerability;
  const names = typeof v === "string" ? [v] : [v.name, v["@id"], ...(v.aliases ?? [])];
  return [...new Set(names.filter((name): name is string => name !== undefined))];
}

export function parsePurl(text: string): PackageURL | undefined {
  if (!text.startsWith("pkg:")) return undefined;
  try {
    return PackageURL.fromString(text);
  } catch {
    return undefined;
  }
}

/** The part of a purl every match needs equal: type, namespace, name and (here) version. */
function purlKey(purl: PackageURL, version: string): string {
  return [purl.type, purl.namespace ?? "", purl.name, version].join(SEP);
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class StatementIndex {
  /** vulnerability + purl key (with the VEX version, or "" for any) → targets, latest first. */
  readonly #byPurl = new Map<string, PurlTarget[]>();
  /** vulnerability + a VEX id verbatim → the latest statement naming it. */
  readonly #byExactId = new Map<string, RankedStatement>();
  /** vulnerability → the latest statement about the scanned image as a whole. */
  readonly #wholeImage = new Map<string, RankedStatement>();
  readonly #packagePurls = new Map<string, PackageURL | undefined>();

  /** `statements` sorted oldest first; `digest` the scanned image's, when known. */
  constructor(statements: readonly RankedStatement[], digest: string | undefined) {
    // Latest first, so each list is in the order a look-up wants and the first entry of a key wins.
    for (let i = statements.length - 1; i >= 0; i--) {
      const ranked = statements[i]!;
      const names = vulnerabilityNames(ranked.statement);
      for (const product of ranked.statement.products) {
        const ids = idsOf(product);
        for (const id of ids) this.#addTarget(names, id, ranked);
        if (!digest || !ids.some((id) => digestOf(id) === digest)) continue;
        const subcomponents = [
          ...(typeof product === "string" ? [] : (product.subcomponents ?? [])),
          ...(ranked.statement.subcomponents ?? []),
        ];
        if (subcomponents.length === 0) {
          for (const name of names) if (!this.#wholeImage.has(name)) this.#wholeImage.set(name, ranked);
        }
        for (const component of subcomponents) {
          for (const id of idsOf(component)) this.#addTarget(names, id, ranked);
        }
      }
    }
  }

  #addTarget(names: readonly string[], id: string, ranked: RankedStatement): void {
    if (!id.startsWith("pkg:")) return;
    for (const name of names) {
      const exact = `${name}${SEP}${id}`;
      if (!this.#byExactId.has(exact)) this.#byExactId.set(exact, ranked);
    }
    const purl = parsePurl(id);
    if (!purl) return;
    const qualifiers = Object.entries(purl.qualifiers ?? {}).map(([k, v]) => [k, String(v)] as const);
    const key = purlKey(purl, purl.version || "");
    for (const name of names) push(this.#byPurl, `${name}${SEP}${key}`, { ranked, qualifiers });
  }

  #packagePurl(text: string): PackageURL | undefined {
    if (!this.#packagePurls.has(text)) this.#packagePurls.set(text, parsePurl(text));
    return this.#packagePurls.get(text);
  }

  /** The latest statement that names one of the finding's ids and covers its package. */
  latestFor(finding: Finding): RankedStatement | undefined {
    let best: RankedStatement | undefined;
    const consider = (candidate: RankedStatement | undefined) => {
      if (candidate && (!best || candidate.order > best.order)) best = candidate;
    };
    const purlText = finding.package.purl;
    const purl = this.#packagePurl(purlText);
    const keys = purl ? [purlKey(purl, purl.version ?? ""), purlKey(purl, "")] : [];
    for (const name of new Set([finding.id, ...finding.aliases])) {
      consider(this.#wholeImage.get(name));
      consider(this.#byExactId.get(`${name}${SEP}${purlText}`));
      for (const key of keys) {
        for (const target of this.#byPurl.get(`${name}${SEP}${key}`) ?? []) {
          if (best && target.ranked.order < best.order) break;
          if (target.qualifiers.every(([k, v]) => purl!.qualifiers?.[k] === v)) {
            consider(target.ranked);
            break;
          }
        }
      }
    }
    return best;
  }
}
