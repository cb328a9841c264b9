/**
 * The header block of Python core metadata (packaging.python.org/en/latest/specifications/core-metadata/),
 * which is RFC 822 email-header format: `Name: value` lines, continuation lines starting with
 * whitespace, and the body (the long description) after the first empty line, which is not read.
 * Python reads it with `email.parser`; so does this, with one allowance noted below.
 * Field names are case-insensitive; the map keys are lower case, and repeated fields
 * (Classifier, Requires-Dist) keep every value in order.
 */
export function parseHeaders(text: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let last: { key: string; values: string[]; index: number } | undefined;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") {
      // Old setuptools wrote a Description's blank lines without their indentation; the header
      // goes on when what follows the blank lines is more of that Description or another field.
      const resume = last?.key === "description" ? headerResumesAt(text, start) : -1;
      if (resume < 0) break;
      start = resume;
      continue;
    }
    if (line.startsWith(" ") || line.startsWith("\t")) {
      // A folded line continues the previous field. Old setuptools indented multi-line values with
      // "       |"; newer ones with eight spaces. Either way the value gains a new line.
      // Only the fields read later keep their folded lines: a Description can be megabytes long.
      if (last && last.key !== "description")
        last.values[last.index] += `\n${line.trim().replace(/^\|/, "")}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = fields.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    fields.set(key, values);
    last = { key, values, index: values.length - 1 };
  }
  return fields;
}

/** Where the header goes on after blank lines inside a Description, or -1 where it ends. */
function headerResumesAt(text: string, from: number): number {
  let at = from;
  for (;;) {
    let end = at;
    while (text.charCodeAt(end) === 32 || text.charCodeAt(end) === 9 || text.charCodeAt(end) === 13) end++;
    if (text.charCodeAt(end) !== 10) break;
    at = end + 1;
  }
  const first = text.charCodeAt(at);
  if (first === 32 || first === 9) return at;
  return /^[A-Za-z][A-Za-z0-9-]*:/.test(text.slice(at, at + 64)) ? at : -1;
}
