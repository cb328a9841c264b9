import {
  conjuncts,
  formatSpdxExpression,
  parseSpdxExpression,
  type SpdxExpression,
} from "../../../core/index.js";
import { IdAllocator } from "./ids.js";

/**
 * Package licences in SPDX 2.3 fields. `licenseDeclared` must be an SPDX license expression,
 * NONE or NOASSERTION (§7.15); we AND together what the package records, each valid expression as
 * is (canonical case) and each free-text licence as a `LicenseRef-` with its text in
 * `hasExtractedLicensingInfos` (§10), which every LicenseRef used in the document needs.
 */

export interface ExtractedLicense {
  licenseId: string;
  extractedText: string;
  name: string;
}

export class LicenseRefs {
  private readonly ids = new IdAllocator("LicenseRef-");
  private readonly byText = new Map<string, string>();
  readonly extracted: ExtractedLicense[] = [];

  /** The LicenseRef for a licence text (the same text always gets the same ref). */
  refFor(text: string, known = false): string {
    const existing = this.byText.get(text);
    if (existing) return existing;
    const id = known ? text : this.ids.next(text);
    this.byText.set(text, id);
    this.extracted.push({ licenseId: id, extractedText: text, name: text });
    return id;
  }
}

function refsIn(expr: SpdxExpression, out: string[]): void {
  if (expr.kind === "ref") out.push(expr.ref);
  else if (expr.kind === "and" || expr.kind === "or") {
    refsIn(expr.left, out);
    refsIn(expr.right, out);
  }
}

export function declaredLicense(licenses: readonly string[], refs: LicenseRefs): string {
  if (licenses.length === 0) return "NOASSERTION";
  const terms = licenses.map((text) => {
    const parsed = parseSpdxExpression(text);
    if (!parsed.ok) return refs.refFor(text);
    const used: string[] = [];
    refsIn(parsed.expression, used);
    // A LicenseRef the package itself recorded still needs its extracted-licensing entry.
    for (const ref of used) if (!ref.startsWith("DocumentRef-")) refs.refFor(ref, true);
    const formatted = formatSpdxExpression(parsed.expression);
    return parsed.expression.kind === "or" && licenses.length > 1 ? `(${formatted})` : formatted;
  });
  return terms.join(" AND ");
}

/**
 * Back from a licence field to a list: NONE and NOASSERTION mean none recorded; a valid expression
 * splits at its top-level ANDs; a LicenseRef becomes the licence text it stands for. A field that
 * does not parse (ids from a newer licence list) is kept whole.
 */
export function licensesFromField(
  field: string | undefined,
  extracted: ReadonlyMap<string, string>,
): string[] {
  if (field === undefined) return [];
  const text = field.trim();
  if (text === "" || text === "NOASSERTION" || text === "NONE") return [];
  const parsed = parseSpdxExpression(text);
  if (!parsed.ok) return [text];
  return conjuncts(parsed.expression).map((term) =>
    term.kind === "ref" && !term.exception
      ? (extracted.get(term.ref) ?? term.ref)
      : formatSpdxExpression(term),
  );
}
