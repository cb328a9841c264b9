import { describe, expect, it } from "vitest";
import { prettyLine } from "./pretty-log.js";

describe("prettyLine", () => {
  it("prints time, level, message and fields on one line, hiding pid and hostname", () => {
    const json = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 11, 7, 12, 4, 5),
      pid: 1,
      hostname: "h",
      msg: "request",
      method: "GET",
      path: "/v2/team/app/manifests/v1",
      status: 200,
      note: "two words",
    });
    expect(prettyLine(json)).toBe(
      '12:04:05 INFO  request method=GET path=/v2/team/app/manifests/v1 status=200 note="two words"\n',
    );
  });

  it("puts an error's message in the line and its stack below, indented", () => {
    const line = prettyLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: "failed",
        err: { message: "boom", stack: "Error: boom\n  at x" },
      }),
    );
    expect(line).toBe('00:00:00 ERROR failed err="boom"\n    Error: boom\n      at x\n');
  });

  it("passes a line that is not JSON through unchanged", () => {
    expect(prettyLine("plain text")).toBe("plain text\n");
  });
});
