// Cases adapted from moby/buildkit frontend/dockerfile/parser/parser_heredoc_test.go (Apache-2.0).
import { describe, expect, it } from "vitest";
import { heredocsFromLine, parseHeredocWord } from "./heredoc.js";
import { parseDockerfile } from "./parse.js";

const dockerfile = `
FROM alpine:3.6

ENV NAME=me

RUN ls

USER <<INVALID
WORKDIR INVALID

RUN <<EMPTY
EMPTY

RUN 3<<EMPTY2
EMPTY2

RUN "<<NOHEREDOC"

RUN <<INDENT
\tfoo
\tbar
INDENT

RUN <<-UNINDENT
\tbaz
\tquux
UNINDENT

RUN <<-UNINDENT2
\tbaz
\tquux
\tUNINDENT2

RUN <<-'NOEXPAND'
\tdon't expand $NAME
NOEXPAND

RUN <<COMMENT
# internal comment
echo foo bar # trailing comment
COMMENT

RUN --mount=type=cache,target=/foo <<MOUNT
echo hello
MOUNT

COPY <<FILE1 <<FILE2 /dest
content 1
FILE1
content 2
FILE2

COPY <<X <<Y /dest
Y
X
X
Y

RUN <<COMPLEX python3
print('hello world')
COMPLEX

COPY <<file.txt /dest
hello world
file.txt

RUN <<eo'f'
echo foo
eof

RUN <<eo\\'f
echo foo
eo'f

RUN <<'e'o\\'f
echo foo
eo'f

RUN <<'one two'
echo bar
one two

RUN <<$EOF
$EOF

RUN <<  EOF
EOF

RUN <<  EOF  > foo
EOF
`;

type Expected = [name: string, content: string, expand: boolean][] | null;
const expected: Expected[] = [
  null, // ENV
  null, // RUN ls
  null, // USER <<INVALID
  null, // WORKDIR INVALID (BuildKit's test has a bare INVALID line; Portcullis refuses unknown instructions)
  [["EMPTY", "", true]],
  [["EMPTY2", "", true]],
  null, // RUN "<<NOHEREDOC"
  [["INDENT", "\tfoo\n\tbar\n", true]],
  [["UNINDENT", "baz\nquux\n", true]],
  [["UNINDENT2", "baz\nquux\n", true]],
  [["NOEXPAND", "don't expand $NAME\n", false]],
  [["COMMENT", "# internal comment\necho foo bar # trailing comment\n", true]],
  [["MOUNT", "echo hello\n", true]],
  [
    ["FILE1", "content 1\n", true],
    ["FILE2", "content 2\n", true],
  ],
  [
    ["X", "Y\n", true],
    ["Y", "X\n", true],
  ],
  [["COMPLEX", "print('hello world')\n", true]],
  [["file.txt", "hello world\n", true]],
  [["eof", "echo foo\n", false]],
  [["eo'f", "echo foo\n", true]],
  [["eo'f", "echo foo\n", false]],
  [["one two", "echo bar\n", false]],
  [["$EOF", "", true]],
  [["EOF", "", true]],
  [["EOF", "", true]],
];

describe("heredocs (BuildKit parser_heredoc_test cases)", () => {
  it("extracts the same heredocs as BuildKit (bodies with <<- already unindented)", () => {
    const df = parseDockerfile(dockerfile);
    const got = df.instructions.slice(1).map((i) => {
      const docs = i.heredocs.map((h): [string, string, boolean] => [h.name, h.content, h.expand]);
      return docs.length === 0 ? null : docs;
    });
    expect(got).toEqual(expected);
  });

  it("parses heredoc words like ParseHeredoc", () => {
    for (const src of [
      "<<EOF",
      "<<'EOF'",
      '<<"EOF"',
      "<<-EOF",
      "<<-'EOF'",
      '<<-"EOF"',
      '<<EO"F"',
      "<< EOF",
      "<<- EOF",
    ]) {
      expect(parseHeredocWord(src)?.name).toBe("EOF");
    }
    for (const src of ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh", "<<'EOF", '<<"EOF', "<<EOF'"]) {
      expect(parseHeredocWord(src)).toBeNull();
    }
  });

  it("finds heredocs on a line like heredocsFromLine", () => {
    const cases: [string, string[]][] = [
      ["RUN <<EOF", ["EOF"]],
      ["RUN <<-EOF", ["EOF"]],
      ["RUN <<- EOF", ["EOF"]],
      ["RUN << -EOF", ["-EOF"]],
      ["RUN <<'EOF'", ["EOF"]],
      ["RUN 4<<EOF", ["EOF"]],
      ["RUN <<EOF <<EOF2", ["EOF", "EOF2"]],
      ["RUN '<<EOF'", []],
      ['RUN "<<EOF"', []],
    ];
    for (const [line, names] of cases) expect(heredocsFromLine(line).map((h) => h.name)).toEqual(names);
  });

  it("does not look for heredocs in JSON form", () => {
    const df = parseDockerfile('FROM a\nRUN ["whoami"]\nRUN ["<<EOF"]\nRUN ["<<\'EOF\'"]\n');
    expect(df.instructions.map((i) => i.heredocs.length)).toEqual([0, 0, 0, 0]);
  });
});
