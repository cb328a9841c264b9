/**
 * Debian control-file paragraphs (deb822, Debian Policy §5.1): paragraphs separated by blank
 * lines; each field is "Name: value" with continuation lines starting with a space or tab. Field
 * names are case-insensitive, so they are kept lower-cased. A line that is neither a field nor a
 * continuation makes the paragraph suspect: it is reported, and the fields read so far are kept.
 */
export interface ControlParagraph {
  /** Lower-cased field name to value (continuation lines joined with "\n", leading space removed). */
  fields: Map<string, string>;
  /** 1-based line number where the paragraph starts, for messages. */
  line: number;
  /** Lines that could not be read as a field or a continuation. */
  malformedLines: number[];
}

export function parseControlParagraphs(text: string): ControlParagraph[] {
  const paragraphs: ControlParagraph[] = [];
  let current: ControlParagraph | undefined;
  let lastField: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === "") {
      current = undefined;
      lastField = undefined;
      continue;
    }
    if (!current) {
      current = { fields: new Map(), line: index + 1, malformedLines: [] };
      paragraphs.push(current);
    }
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (lastField === undefined) current.malformedLines.push(index + 1);
      else current.fields.set(lastField, `${current.fields.get(lastField)}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || line.startsWith("#")) {
      if (!line.startsWith("#")) current.malformedLines.push(index + 1);
      lastField = undefined;
      continue;
    }
    lastField = line.slice(0, colon).trim().toLowerCase();
    current.fields.set(lastField, line.slice(colon + 1).trim());
  }
  return paragraphs;
}
