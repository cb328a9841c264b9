/**
 * One status line on a terminal while long work runs (layers read, packages matched, records
 * imported): redrawn in place at most ten times a second, erased when done. Silent when stderr is
 * not a TTY or with --quiet, so logs and CI output stay clean.
 */
export class Progress {
  private last = 0;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  static forTerminal(quiet: boolean | undefined): Progress {
    return new Progress(quiet !== true && process.stderr.isTTY === true);
  }

  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    this.out.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }

  done(): void {
    if (!this.enabled || !this.shown) return;
    this.out.write("\r\x1b[K");
    this.shown = false;
  }
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
