/**
 * How far a column may be squeezed (never below its header, nor above what it needs). Tables lead
 * with what a row is about (a result, a package) and end with free text (a reason, a detail, a
 * title): those keep room to be read, and the identifiers between them (digests, signers, paths,
 * all whole in JSON) give way first.
 */
const FIRST_COLUMN_FLOOR = 24;
const LAST_COLUMN_FLOOR = 40;
const MIN_COLUMN_WIDTH = 10;

function floorOf(index: number, columns: number): number {
  if (index === columns - 1) return LAST_COLUMN_FLOOR;
  return index === 0 ? FIRST_COLUMN_FLOOR : MIN_COLUMN_WIDTH;
}

const GAP = "  ";

/**
 * The width tables fit: COLUMNS when set (as `ls` honours it), else the terminal's width. Output that
 * is piped or redirected is not fitted (Infinity), as GitHub's gh does: a script or a log keeps every
 * word; COLUMNS fits it too.
 */
export function outputWidth(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  if (stream.isTTY && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  return Number.POSITIVE_INFINITY;
}

/**
 * Column widths that fit `width`: the widest columns give way first, each down to a floor (its
 * header, at least MIN_COLUMN_WIDTH characters, never more than it needs), so short columns (a
 * result, a severity, a layer) stay whole and long text (a reason, a title) is what gets elided.
 * When even the floors do not fit, the floors are used and the line runs over.
 */
function fitWidths(natural: readonly number[], floors: readonly number[], width: number): number[] {
  const budget = width - GAP.length * (natural.length - 1);
  const total = (cap: number) =>
    natural.reduce((sum, w, i) => sum + Math.max(floors[i]!, Math.min(w, cap)), 0);
  if (total(Number.POSITIVE_INFINITY) <= budget) return [...natural];
  // The largest cap whose total fits: every column wider than it is cut to it (or to its floor).
  let low = 0;
  let high = Math.max(...natural);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (total(mid) <= budget) low = mid;
    else high = mid - 1;
  }
  const widths = natural.map((w, i) => Math.max(floors[i]!, Math.min(w, low)));
  // Hand the columns cut to the cap whatever the cap's rounding left over, one character each.
  let spare = budget - widths.reduce((a, b) => a + b, 0);
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (widths[i]! < natural[i]!) {
      widths[i]!++;
      spare--;
    }
  }
  return widths;
}

/**
 * `text` in at most `width` characters: whole, or cut at the last space that keeps at least half the
 * width, else mid-word (a digest, a path), and ended with `…`.
 */
export function elide(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return "…".slice(0, width);
  const room = chars.slice(0, width - 1).join("");
  let cut = -1;
  for (let i = room.length; i > 0; i--) {
    const before = room[i - 1]!;
    if (text[i] === " " || before === " ") {
      cut = i;
      break;
    }
  }
  const kept = cut >= Math.ceil(width / 2) ? room.slice(0, cut) : room;
  return `${kept.trimEnd()}…`;
}

/**
 * Prints rows as an aligned plain-text table for people (JSON output is for machines and keeps every
 * word). The table fits `width` (outputWidth(): COLUMNS, else the terminal; piped output is not
 * fitted): when it would not, the widest columns are narrowed and their long cells elided with `…` at a word boundary, one
 * line per row, so rows stay greppable and aligned.
 */
export function printTable(
  header: string[],
  rows: string[][],
  out: NodeJS.WritableStream = process.stdout,
  width: number = outputWidth(),
): void {
  const length = (s: string) => [...s].length;
  const natural = header.map((h, i) => Math.max(length(h), ...rows.map((r) => length(r[i] ?? ""))));
  const floors = (roomy: boolean) =>
    header.map((h, i) =>
      Math.min(natural[i]!, Math.max(length(h), roomy ? floorOf(i, header.length) : MIN_COLUMN_WIDTH)),
    );
  const gaps = GAP.length * (header.length - 1);
  const roomy = floors(true);
  // The roomy floors when they fit, else every column may give way down to MIN_COLUMN_WIDTH.
  const widths = fitWidths(
    natural,
    roomy.reduce((a, b) => a + b, gaps) <= width ? roomy : floors(false),
    width,
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const cell = elide(c, widths[i]!);
        return cell + " ".repeat(Math.max(0, widths[i]! - length(cell)));
      })
      .join(GAP)
      .trimEnd();
  out.write(`${line(header)}\n`);
  out.write(`${line(widths.map((w) => "-".repeat(w)))}\n`);
  for (const row of rows) out.write(`${line(row)}\n`);
}
