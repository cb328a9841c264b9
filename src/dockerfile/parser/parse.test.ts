// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell `${...}` syntax under test
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../../test/support/errors.js";
import { DockerfileError } from "./errors.js";
import { parseDockerfile } from "./parse.js";

const errorOf = (text: string) => thrownBy(DockerfileError, () => parseDockerfile(text));

describe("parseDockerfile: directives", () => {
  it("reads directives at the top, case-insensitively, and stops at the first other line", () => {
    const df = parseDockerfile(
      "# syntax=docker/dockerfile:1\n# ESCAPE = `\n# check=skip=all\n\n# escape=\\\nFROM a\n",
    );
    expect(df.directives).toEqual([
      { name: "syntax", value: "docker/dockerfile:1", line: 1 },
      { name: "escape", value: "`", line: 2 },
      { name: "check", value: "skip=all", line: 3 },
    ]);
    expect(df.escape).toBe("`");
    expect(df.comments.map((c) => c.line)).toEqual([1, 2, 3, 5]);
  });

  it("ignores directive-looking comments after another comment or an unknown directive", () => {
    expect(parseDockerfile("# hello\n# escape=`\nFROM a").escape).toBe("\\");
    expect(parseDockerfile("# foo=bar\n# escape=`\nFROM a").directives).toEqual([]);
    expect(parseDockerfile("FROM a\n# escape=`\n").directives).toEqual([]);
  });

  it("refuses a repeated directive and a bad escape token", () => {
    const err = errorOf("# escape=`\n# escape=\\\nFROM a");
    expect(err.code).toBe("DOCKERFILE_INVALID");
    expect(err.message).toBe("line 2: only one escape parser directive can be used");
    expect(err.detail).toEqual({ line: 2 });
    expect(errorOf("# escape=x\nFROM a").line).toBe(1);
  });
});

describe("parseDockerfile: lines", () => {
  it("joins continuations, skipping comments and warning on blank lines", () => {
    const df = parseDockerfile("FROM a\nRUN echo a \\\n# note\n\n  && echo b\nCMD x\n");
    const run = df.instructions[1];
    expect(run?.args).toEqual(["echo a   && echo b"]);
    expect(run?.range).toEqual({ startLine: 2, endLine: 5 });
    expect(run?.original).toBe("RUN echo a   && echo b");
    expect(df.warnings).toEqual([{ line: 4, message: "empty continuation line" }]);
    expect(df.comments).toEqual([{ line: 3, text: "note" }]);
    expect(df.instructions[2]?.range).toEqual({ startLine: 6, endLine: 6 });
  });

  it("handles CRLF, a BOM and the backtick escape", () => {
    const df = parseDockerfile("\uFEFF# escape=`\r\nFROM a\r\nRUN echo `\r\n  b\r\n");
    expect(df.instructions.map((i) => i.args)).toEqual([["a"], ["echo   b"]]);
    expect(df.directives[0]?.value).toBe("`");
  });

  it("upper-cases keywords and refuses unknown ones with the line", () => {
    expect(parseDockerfile("from a\nrun x").instructions.map((i) => i.keyword)).toEqual(["FROM", "RUN"]);
    const err = errorOf("FROM a\n\nFOO bar\n");
    expect(err.message).toBe("line 3: unknown instruction: FOO");
  });

  it("returns an empty tree for an empty or comment-only file", () => {
    expect(parseDockerfile("").instructions).toEqual([]);
    expect(parseDockerfile("# only\n\n").instructions).toEqual([]);
  });

  it("refuses binary and oversized input", () => {
    expect(errorOf("FROM a\nRUN \0x").message).toMatch(/^line 2: binary file/);
    expect(errorOf("x".repeat(10 * 1024 * 1024 + 1)).message).toMatch(/^line 1: input too large/);
  });

  it("accepts a multi-megabyte line", () => {
    const long = "a".repeat(3 * 1024 * 1024);
    expect(parseDockerfile(`FROM x\nRUN echo ${long}\n`).instructions[1]?.args[0]?.length).toBe(
      long.length + 5,
    );
  });
});

describe("parseDockerfile: flags and forms", () => {
  it("keeps flags in order", () => {
    const df = parseDockerfile(
      [
        "FROM --platform=$BUILDPLATFORM golang AS build",
        "RUN --mount=type=secret,id=x --network=none --security=insecure make",
        "COPY --chown=a:b --chmod=755 --link --from=build --parents --exclude=*.md a /b",
        "ADD --checksum=sha256:abc --keep-git-dir https://x/y /z",
        "HEALTHCHECK --interval=30s CMD curl -f http://localhost/",
      ].join("\n"),
    );
    const [from, run, copy, add, hc] = df.instructions;
    expect(from?.flags).toEqual([{ name: "platform", value: "$BUILDPLATFORM" }]);
    expect(from?.args).toEqual(["golang", "AS", "build"]);
    expect(run?.flags).toEqual([
      { name: "mount", value: "type=secret,id=x" },
      { name: "network", value: "none" },
      { name: "security", value: "insecure" },
    ]);
    expect(run).toMatchObject({ form: "shell", args: ["make"] });
    expect(copy?.flags.map((f) => f.name)).toEqual(["chown", "chmod", "link", "from", "parents", "exclude"]);
    expect(copy?.flags[2]).toEqual({ name: "link", value: null });
    expect(copy).toMatchObject({ form: "none", args: ["a", "/b"] });
    expect(add?.flags).toEqual([
      { name: "checksum", value: "sha256:abc" },
      { name: "keep-git-dir", value: null },
    ]);
    expect(hc).toMatchObject({ form: "shell", args: ["CMD", "curl -f http://localhost/"] });
  });

  it("uses exec form for JSON arrays and falls back to shell form otherwise", () => {
    const df = parseDockerfile(
      'CMD ["a", "b"]\nENTRYPOINT [\'a\']\nRUN ["a"] x\nVOLUME ["/v"]\nSHELL ["sh", "-c"]',
    );
    expect(df.instructions.map((i) => [i.form, i.args])).toEqual([
      ["exec", ["a", "b"]],
      ["shell", ["['a']"]],
      ["shell", ['["a"] x']],
      ["exec", ["/v"]],
      ["exec", ["sh", "-c"]],
    ]);
  });

  it("refuses JSON arrays of non-strings and SHELL in shell form", () => {
    expect(errorOf("FROM a\nCMD [1]").message).toMatch(/^line 2: when using JSON array syntax/);
    expect(errorOf("SHELL sh -c").message).toBe("line 1: SHELL requires the arguments to be in JSON form");
  });

  it("normalises ENV/LABEL to key=value with quotes as written, ARG to its words", () => {
    const df = parseDockerfile('ENV a=1 b="x y"\nENV key value with spaces\nLABEL "x"=y\nARG v=1 w');
    expect(df.instructions.map((i) => i.args)).toEqual([
      ["a=1", 'b="x y"'],
      ["key=value with spaces"],
      ['"x"=y'],
      ["v=1", "w"],
    ]);
    expect(errorOf("ENV a=1 b").message).toMatch(/^line 1: Syntax error - can't find = in "b"/);
    expect(errorOf("FROM a\nENV PATH").message).toBe("line 2: ENV must have two arguments");
  });

  it("keeps HEALTHCHECK NONE, MAINTAINER and plain-text instructions", () => {
    const df = parseDockerfile("HEALTHCHECK NONE\nMAINTAINER Me <me@x>\nUSER a b\nSTOPSIGNAL SIGTERM");
    expect(df.instructions.map((i) => [i.keyword, i.form, i.args])).toEqual([
      ["HEALTHCHECK", "none", ["NONE"]],
      ["MAINTAINER", "none", ["Me <me@x>"]],
      ["USER", "none", ["a b"]],
      ["STOPSIGNAL", "none", ["SIGTERM"]],
    ]);
  });
});

describe("parseDockerfile: ONBUILD", () => {
  it("wraps the nested instruction", () => {
    const ins = parseDockerfile("ONBUILD run --mount=type=cache,target=/c echo hi").instructions[0];
    expect(ins).toMatchObject({ keyword: "ONBUILD", form: "none", args: [] });
    expect(ins?.onbuild).toMatchObject({
      keyword: "RUN",
      original: "run --mount=type=cache,target=/c echo hi",
      flags: [{ name: "mount", value: "type=cache,target=/c" }],
      args: ["echo hi"],
    });
  });

  it("refuses ONBUILD ONBUILD, FROM, MAINTAINER and an empty ONBUILD", () => {
    expect(errorOf("ONBUILD ONBUILD RUN x").message).toBe("line 1: ONBUILD ONBUILD isn't allowed");
    expect(errorOf("ONBUILD FROM a").message).toBe("line 1: FROM isn't allowed as an ONBUILD trigger");
    expect(errorOf("ONBUILD MAINTAINER a").message).toBe(
      "line 1: MAINTAINER isn't allowed as an ONBUILD trigger",
    );
    expect(errorOf("ONBUILD").line).toBe(1);
    expect(errorOf("ONBUILD BOGUS x").message).toBe("line 1: unknown instruction: BOGUS");
  });
});

describe("parseDockerfile: heredocs", () => {
  it("collects one heredoc and includes its lines in the range", () => {
    const df = parseDockerfile("FROM a\nRUN <<EOF\n# not a comment\necho $HOME\nEOF\nCMD x\n");
    const run = df.instructions[1];
    expect(run?.args).toEqual(["<<EOF"]);
    expect(run?.range).toEqual({ startLine: 2, endLine: 5 });
    expect(run?.heredocs).toEqual([
      {
        name: "EOF",
        content: "# not a comment\necho $HOME\n",
        expand: true,
        chomp: false,
        range: { startLine: 3, endLine: 5 },
      },
    ]);
    expect(df.comments).toEqual([]);
    expect(df.instructions[2]?.range.startLine).toBe(6);
  });

  it("handles several heredocs, quoting and <<-", () => {
    const df = parseDockerfile("COPY <<a <<\"b\" /dest/\nA\na\n\tB\nb\nRUN <<-'X' sh\n\t\tY\n\tX\n");
    const [copy, run] = df.instructions;
    expect(copy?.args).toEqual(["<<a", '<<"b"', "/dest/"]);
    expect(copy?.heredocs.map((h) => [h.name, h.content, h.expand])).toEqual([
      ["a", "A\n", true],
      ["b", "\tB\n", false],
    ]);
    expect(run?.heredocs[0]).toMatchObject({ name: "X", content: "Y\n", chomp: true, expand: false });
    expect(run?.range).toEqual({ startLine: 6, endLine: 8 });
  });

  it("ignores heredoc markers outside RUN/COPY/ADD and in JSON form", () => {
    expect(parseDockerfile("CMD <<EOF\nFROM a").instructions).toHaveLength(2);
    expect(parseDockerfile('RUN ["<<EOF"]\nFROM a').instructions).toHaveLength(2);
  });

  it("supports heredocs under ONBUILD", () => {
    const ins = parseDockerfile("ONBUILD RUN <<EOF\nx\nEOF").instructions[0];
    expect(ins?.heredocs[0]?.content).toBe("x\n");
    expect(ins?.onbuild?.heredocs[0]?.content).toBe("x\n");
  });

  it("refuses an unterminated heredoc, naming the line it started on", () => {
    expect(errorOf("FROM a\n\nRUN <<EOF\necho\n").message).toBe("line 3: unterminated heredoc <<EOF");
  });
});
