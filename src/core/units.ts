import { CoreError } from "./errors.js";

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses durations such as `90s`, `15m`, `24h`, `7d`, `1h30m`, or a bare number of milliseconds. */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0)
      throw new CoreError("INVALID_ARGUMENT", `invalid duration ${input}`);
    return input;
  }
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const parts = text.match(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g);
  if (!parts || parts.join("") !== text) {
    throw new CoreError(
      "INVALID_ARGUMENT",
      `invalid duration ${JSON.stringify(input)} (use e.g. 30s, 15m, 24h, 7d)`,
    );
  }
  let total = 0;
  for (const part of parts) {
    const [, amount, unit] = part.match(/^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/)!;
    total += Number(amount) * DURATION_UNITS[unit!]!;
  }
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Parses byte sizes such as `4MiB`, `512k`, `1g`, or a bare number of bytes (binary units throughout). */
export function parseByteSize(input: string | number): number {
  if (typeof input === "number") return input;
  const m = input
    .trim()
    .toLowerCase()
    .match(/^(\d+(?:\.\d+)?)\s*([a-z]*)$/);
  const unit = m ? SIZE_UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) {
    throw new CoreError(
      "INVALID_ARGUMENT",
      `invalid size ${JSON.stringify(input)} (use e.g. 4MiB, 512KiB, 1GiB)`,
    );
  }
  return Math.round(Number(m[1]) * unit);
}

/** A byte count for people, in binary units: `512 B`, `1.5 KiB`, `10.0 GiB`. */
export function formatByteSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
