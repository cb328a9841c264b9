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

  constructor(private readonly prefix: string) {}

  /** A fresh id `<prefix><sanitised text>`, unique among those this allocator handed out. */
  next(text: string): string {
    const base = `${this.prefix}${sanitiseIdString(text)}`;
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}-${n}`;
    this.taken.add(id);
    return id;
  }
}
