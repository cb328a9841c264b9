/** Prints rows as an aligned plain-text table for people (JSON output is for machines). */
export function printTable(
  header: string[],
  rows: string[][],
  out: NodeJS.WritableStream = process.stdout,
): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  out.write(`${line(header)}\n`);
  out.write(`${line(widths.map((w) => "-".repeat(w)))}\n`);
  for (const row of rows) out.write(`${line(row)}\n`);
}
