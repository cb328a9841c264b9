import { describe, expect, it } from "vitest";
import { parseSince } from "./since.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");

describe("parseSince", () => {
  it.each([
    ["24h", NOW - 86_400_000],
    ["90m", NOW - 5_400_000],
    ["2026-02-28", Date.parse("2026-02-28T00:00:00Z")],
    ["2026-02-28T10:00:00+02:00", Date.parse("2026-02-28T08:00:00Z")],
  ])("reads %s", (text, expected) => {
    expect(parseSince(text, NOW)).toBe(expected);
  });

  it.each(["yesterday", "2026-13-45", "-1h", ""])("refuses %j with a clear message", (text) => {
    expect(() => parseSince(text, NOW)).toThrow(/invalid/);
  });
});
