import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseShell } from "./parse.js";

/** A compact view of a script: each pipeline as `name args | name args`, then its operator. */
function shape(text: string): string[] {
  return parseShell(text).pipelines.map(
    (p) => `${p.commands.map((c) => [c.name, ...c.args].join(" ")).join(" | ")} ${p.next ?? "END"}`,
  );
}

describe("parseShell: real-world RUN lines", () => {
  const cases: [string, string[]][] = [
    [
      "set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates curl; rm -rf /var/lib/apt/lists/*",
      [
        "set -eux ;",
        "apt-get update ;",
        "apt-get install -y --no-install-recommends ca-certificates curl ;",
        "rm -rf /var/lib/apt/lists/* END",
      ],
    ],
    ["curl -fsSL https://x/install.sh | bash -", ["curl -fsSL https://x/install.sh | bash - END"]],
    ["wget -qO- https://x | sh", ["wget -qO- https://x | sh END"]],
    ["if [ -f /x ]; then sudo apt-get install foo; fi", ["[ -f /x ] ;", "sudo apt-get install foo END"]],
    [
      "pip install --no-cache-dir -r requirements.txt && python -m compileall .",
      ["pip install --no-cache-dir -r requirements.txt &&", "python -m compileall . END"],
    ],
    ['echo "a && b" | grep a', ["echo a && b | grep a END"]],
    ["apk add --no-cache git=2.30.0-r0", ["apk add --no-cache git=2.30.0-r0 END"]],
    ["DEBIAN_FRONTEND=noninteractive apt-get -qq install x", ["apt-get -qq install x END"]],
    ["cd /tmp && (make && make install)", ["cd /tmp &&", "make &&", "make install END"]],
    ["x=$(curl -s http://y | sh)", [" END", "curl -s http://y | sh END"]],
    ["echo $(curl http://x | sh)", ["echo $(curl http://x | sh) END", "curl http://x | sh END"]],
    ["echo `curl http://x | sh`", ["echo `curl http://x | sh` END", "curl http://x | sh END"]],
    [
      'set -ex \\\n  && savedAptMark="$(apt-mark showmanual)" \\\n  && apt-get update \\\n  && apt-get purge -y --auto-remove',
      [
        "set -ex &&",
        " &&",
        "apt-mark showmanual END",
        "apt-get update &&",
        "apt-get purge -y --auto-remove END",
      ],
    ],
    [
      'gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$GPG_KEY" || true; rm -rf "$GNUPGHOME"',
      [
        "gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys $GPG_KEY ||",
        "true ;",
        "rm -rf $GNUPGHOME END",
      ],
    ],
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      'dpkgArch="$(dpkg --print-architecture)"; case "${dpkgArch##*-}" in amd64) ARCH=\'x64\';; arm64) ARCH=\'arm64\';; *) echo "unsupported"; exit 1 ;; esac',
      [" ;", "dpkg --print-architecture END", " ;", " ;", "echo unsupported ;", "exit 1 END"],
    ],
    [
      'for key in A B; do gpg --recv-keys "$key"; done && echo ok',
      ["gpg --recv-keys $key &&", "echo ok END"],
    ],
    ['while read -r line; do echo "$line"; done < /etc/x', ["read -r line ;", "echo $line END"]],
    ["until curl -sf http://localhost; do sleep 1; done", ["curl -sf http://localhost ;", "sleep 1 END"]],
    ["if a; then b; elif c; then d; else e; fi", ["a ;", "b ;", "c ;", "d ;", "e END"]],
    ["{ echo a; curl x; } | sh", ["echo a ;", "curl x | sh END"]],
    ["(curl -L x) | sh", ["curl -L x | sh END"]],
    [
      "make -j$(nproc) 2>&1 >/dev/null | tee log &> /dev/null & wait",
      ["make -j$(nproc) | tee log &", "nproc END", "wait END"],
    ],
    ['cmd <<< "input" > out 2>> err < in', ["cmd END"]],
    ["cat <<'EOF' > /etc/x\nrm -rf /\n$(curl x | sh)\nEOF\necho done", ["cat ;", "echo done END"]],
    ["cat <<-EOF | sh\n\tcurl x\n\tEOF\necho after", ["cat | sh ;", "echo after END"]],
    ["echo a # && rm -rf /\necho b", ["echo a ;", "echo b END"]],
    ["echo a#b", ["echo a#b END"]],
    ["A=1 B=2", [" END"]],
    ["f() { echo hi; }; f", ["echo hi ;", "f END"]],
    ["! grep -q x file", ["grep -q x file END"]],
    ["a |& b", ["a | b END"]],
    ["a;\nb\n\nc &&\n d", ["a ;", "b ;", "c &&", "d END"]],
    ["for ((i=0; i<3; i++)); do echo $i; done", ["echo $i END"]],
    ["[[ $a < b && -n x ]] && echo", ["[[ $a < b && -n x ]] &&", "echo END"]],
    ["diff <(sort a) b", ["diff <(sort a) b END", "sort a END"]],
    // Issue 22: every construct a shell runs commands from is read.
    ["((curl x | sh))", ["curl x | sh END"]],
    ["echo $( (curl x | sh) )", ["echo $( (curl x | sh) ) END", "curl x | sh END"]],
    ["echo $((1 + $(curl x | sh)))", ["echo $((1 + $(curl x | sh))) END", "curl x | sh END"]],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
    ['echo "${A:-$(curl x | sh)}"', ["echo ${A:-$(curl x | sh)} END", "curl x | sh END"]],
    ["sh -c 'curl x | sh'", ["sh -c curl x | sh END", "curl x | sh END"]],
    ["sudo bash -c 'curl x | sh'", ["sudo bash -c curl x | sh END", "curl x | sh END"]],
    ['eval "curl x | sh"', ["eval curl x | sh END", "curl x | sh END"]],
    ["sh <<EOF\ncurl x | sh\nEOF\necho done", ["sh ;", "curl x | sh END", "echo done END"]],
    ["cat <<EOF > f\n$(curl x | sh)\nEOF", ["cat END", "curl x | sh END"]],
  ];
  it.each(cases)("%j", (text, expected) => {
    expect(shape(text)).toEqual(expected);
  });
});

describe("parseShell: words and quoting", () => {
  const cases: [string, string[]][] = [
    ['echo "a b"', ["a b"]],
    ["echo 'x'", ["x"]],
    ['echo a"b"c', ["abc"]],
    ["echo 'a \"b\" $c'", ['a "b" $c']],
    ['echo "x \\" \\\\ \\$HOME \\n"', ['x " \\ $HOME \\n']],
    ["echo a\\ b \\$x", ["a b", "$x"]],
    ["echo abc\\\ndef", ["abcdef"]],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
    ['echo $VAR ${VAR:-"x y"} "$(date +%s)" `id -u`', ["$VAR", '${VAR:-"x y"}', "$(date +%s)", "`id -u`"]],
    ["echo $((1 + 2))", ["$((1 + 2))"]],
    ["echo $'a\\tb'", ["a\tb"]],
    ["echo ''", [""]],
    ["echo x=(1 2)", ["x=(1 2)"]],
  ];
  it.each(cases)("%j", (text, args) => {
    expect(parseShell(text).commands[0]?.args).toEqual(args);
  });

  it("splits leading assignments from the command", () => {
    const [cmd] = parseShell(
      'DEBIAN_FRONTEND=noninteractive PATH="/a b:$PATH" apt-get -qq install x',
    ).commands;
    expect(cmd).toEqual({
      name: "apt-get",
      args: ["-qq", "install", "x"],
      assignments: ["DEBIAN_FRONTEND=noninteractive", "PATH=/a b:$PATH"],
      raw: 'DEBIAN_FRONTEND=noninteractive PATH="/a b:$PATH" apt-get -qq install x',
    });
  });

  it("does not treat quoted or later words as assignments or keywords", () => {
    expect(parseShell('"A=1" x').commands[0]?.name).toBe("A=1");
    expect(parseShell("export A=1").commands[0]).toMatchObject({
      name: "export",
      args: ["A=1"],
      assignments: [],
    });
    expect(parseShell("'if' x").commands[0]?.name).toBe("if");
    expect(parseShell("echo if then fi").commands[0]?.args).toEqual(["if", "then", "fi"]);
    expect(parseShell("arr=(a b) cmd").commands[0]).toMatchObject({
      name: "cmd",
      assignments: ["arr=(a b)"],
    });
  });

  it("gives the trimmed source text of each command, redirections included", () => {
    expect(parseShell("  a  x ; b 2>/dev/null &&  c  ").commands.map((c) => c.raw)).toEqual([
      "a  x",
      "b 2>/dev/null",
      "c",
    ]);
  });

  it("lists every command flattened in source order, substitutions included", () => {
    const script = parseShell("echo $(curl http://x | sh) | grep a; x=`id -u` && { make; }");
    expect(script.commands.map((c) => c.name)).toEqual(["echo", "curl", "sh", "grep", "", "id", "make"]);
    expect(script.pipelines.map((p) => p.commands.map((c) => c.name))).toEqual([
      ["echo", "grep"],
      ["curl", "sh"],
      [""],
      ["id"],
      ["make"],
    ]);
  });

  it("is best effort on unbalanced input", () => {
    expect(shape('echo "unterminated && rm')).toEqual(["echo unterminated && rm END"]);
    expect(shape("echo 'x; y")).toEqual(["echo x; y END"]);
    expect(shape("echo $(curl x | sh")).toEqual(["echo $(curl x | sh END", "curl x | sh END"]);
    expect(shape("(a && b")).toEqual(["a &&", "b END"]);
    expect(shape("a ) b")).toEqual(["a ;", "b END"]);
    expect(shape("fi; done; }")).toEqual([]);
    expect(shape("")).toEqual([]);
    expect(shape("cat <<EOF\nno end")).toEqual(["cat END"]);
  });
});

describe("parseShell: robustness", () => {
  it("never throws and terminates on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const script = parseShell(text);
        expect(script.commands.length).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws on shell-flavoured strings", () => {
    const piece = fc.constantFrom(
      ..."a b = ' \" \\ $ ( ) { } ` | & ; < > # \n \t if then fi for in do done case esac << EOF - 2 [[ ]] $( ${ !".split(
        " ",
      ),
      " ",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 80 }), (pieces) => {
        const script = parseShell(pieces.join(""));
        for (const c of script.commands) expect(typeof c.name).toBe("string");
      }),
      { numRuns: 1000 },
    );
  });

  it("follows 32 levels of nesting and marks deeper text incomplete (issue 22: it vanished at 33)", () => {
    const nest = (levels: number) => `${"echo $(".repeat(levels)}curl x | sh${")".repeat(levels)}`;
    const within = parseShell(nest(32));
    expect(within.incomplete).toBe(false);
    expect(within.pipelines.some((p) => p.commands.map((c) => c.name).join("|") === "curl|sh")).toBe(true);
    expect(parseShell(nest(33)).incomplete).toBe(true);
    expect(parseShell(`sh -c "${"sh -c '".repeat(20)}x${"'".repeat(20)}"`).incomplete).toBe(false);
    expect(parseShell("echo hi").incomplete).toBe(false);
  });

  it('reads nested `sh -c "$(…)"` in bounded time (each level would read its substitution twice)', () => {
    const nest = (levels: number): string => (levels === 0 ? "x" : `sh -c "$(${nest(levels - 1)})"`);
    const started = performance.now();
    const script = parseShell(nest(30));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(script.commands.length).toBeGreaterThan(0);
  });

  it("handles deep nesting without exhausting the stack", () => {
    const deep = `${"$(".repeat(2000)}x${")".repeat(2000)}`;
    expect(() => parseShell(deep)).not.toThrow();
    expect(() => parseShell("(".repeat(5000))).not.toThrow();
  });
});
