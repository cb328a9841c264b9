/**
 * SPDX element ids: "SPDXRef-" followed by letters, digits, "." and "-" only (SPDX 2.3 §7.2, and
 * the `^SPDXRef-[a-zA-Z0-9.-]+$` pattern of the JSON schema). Anything else (spaces, "@", "/",
 * non-ASCII letters) becomes "-"; a clash gets "-2", "-3", ….
 */

const MAX_ID_BODY = 200;

export function sanitiseIdString(text: string): string {
  const body = text
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, MAX_ID_BODY);
  return body === "" ? "x" : body;
}

export class IdAllocator {
  private readonly taken = new Set<string>();
  /**
   * Per base, the next suffix worth trying: suffixes below it are taken (ids are never released), so
   * 20,000 packages with one name cost 20,000 look-ups, not 200 million.
   */
  private readonly nextSuffix = new Map<string, number>();

  constructor(private readonly prefix: string) {}

  /** A fresh id `<prefix><sanitised text>`, unique among those this allocator handed out. */
  next(text: string): string {
    const base = `${this.prefix}${sanitiseIdString(text)}`;
    let id = base;
    if (this.taken.has(id)) {
      let n = this.nextSuffix.get(base) ?? 2;
      for (id = `${base}-${n}`; this.taken.has(id); id = `${base}-${n}`) n++;
      this.nextSuffix.set(base, n + 1);
    }
    this.taken.add(id);
    return id;
  }
}
