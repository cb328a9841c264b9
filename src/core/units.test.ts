import { describe, expect, it } from "vitest";
import { formatByteSize, parseByteSize, parseDuration } from "./units.js";

describe("units", () => {
  it.each([
    ["0", 0],
    ["1500", 1500],
    ["250ms", 250],
    ["90s", 90_000],
    ["15m", 900_000],
    ["24h", 86_400_000],
    ["7d", 604_800_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
  ])("duration %s = %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "soon", "1y", "-1h", "h", "1h x"])("refuses duration %j", (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });

  it.each([
    ["4MiB", 4 * 1024 * 1024],
    ["512k", 512 * 1024],
    ["1g", 1024 ** 3],
    ["100", 100],
    ["1.5 KiB", 1536],
    ["2TiB", 2 * 1024 ** 4],
  ])("size %s = %d bytes", (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(["", "lots", "4XB", "-1"])("refuses size %j", (text) => {
    expect(() => parseByteSize(text)).toThrow(/invalid size/);
  });

  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [10 * 1024 ** 3, "10.0 GiB"],
  ])("formats %d bytes as %s", (bytes, text) => {
    expect(formatByteSize(bytes)).toBe(text);
  });
});
