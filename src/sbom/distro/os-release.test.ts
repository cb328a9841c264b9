import { describe, expect, it } from "vitest";
import { parseOsRelease } from "./os-release.js";

describe("parseOsRelease", () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ["unquoted", "ID=debian\n", { ID: "debian" }],
    ["double quotes", 'NAME="Debian GNU/Linux"\n', { NAME: "Debian GNU/Linux" }],
    ["single quotes keep backslashes", "NAME='a\\$b'\n", { NAME: "a\\$b" }],
    ["escapes inside double quotes", 'X="a \\"q\\" \\$HOME \\\\ \\`c\\`"\n', { X: 'a "q" $HOME \\ `c`' }],
    ["other backslashes stay inside double quotes", 'X="a\\nb"\n', { X: "a\\nb" }],
    ["comments and blank lines", "# comment\n\n  # indented\nID=x\n", { ID: "x" }],
    ["trailing comment", "ID=x # note\n", { ID: "x" }],
    ["CRLF", "ID=x\r\nVERSION_ID=1\r\n", { ID: "x", VERSION_ID: "1" }],
    ["concatenated parts", "X=ab\"cd\"'ef'\n", { X: "abcdef" }],
    ["empty value", 'X=\nY=""\n', { X: "", Y: "" }],
    ["unterminated quote is skipped", 'X="open\nID=y\n', { ID: "y" }],
    ["not an assignment", "garbage line\n=x\n1A=b\nID=z\n", { ID: "z" }],
    ["later assignment wins", "ID=a\nID=b\n", { ID: "b" }],
    ["unquoted spaces are kept", "VERSION=1.0 beta\n", { VERSION: "1.0 beta" }],
  ];
  it.each(cases)("%s", (_name, text, expected) => {
    expect(Object.fromEntries(parseOsRelease(text))).toEqual(expected);
  });
});
