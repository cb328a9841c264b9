import { describe, expect, it } from "vitest";
import { parseShell } from "./parse.js";
import {
  commandNames,
  effectiveCommand,
  flagValue,
  flagValues,
  hasFlag,
  isPipeToShell,
  subcommand,
} from "./queries.js";
import type { SimpleCommand } from "./types.js";

function cmd(text: string): SimpleCommand {
  const [first] = parseShell(text).commands;
  if (first === undefined) throw new Error(`no command in ${text}`);
  return first;
}

describe("hasFlag", () => {
  const cases: [string, string[], boolean][] = [
    ["curl -fsSL https://x", ["-s"], true],
    ["curl -fsSL https://x", ["-S", "--show-error"], true],
    ["curl -fL https://x", ["-s", "--silent"], false],
    ["curl --silent https://x", ["-s", "--silent"], true],
    ["apt-get install -y x", ["-y", "--yes", "--assume-yes"], true],
    ["apt-get install --yes x", ["-y", "--yes"], true],
    ["apt-get install -qqy x", ["-y"], true],
    ["pip install --no-cache-dir=1 x", ["--no-cache-dir"], true],
    ["pip install --no-cache-dirs x", ["--no-cache-dir"], false],
    ["wget -qO- https://x", ["-q"], true],
    ["wget -qO- https://x", ["-O"], true],
    ["curl -o/usr/src/x https://x", ["-s"], false],
    ["rm -- -s", ["-s"], false],
    ["apk add --no-cache x", ["-y"], false],
  ];
  it.each(cases)("%s has %j: %s", (text, flags, expected) => {
    expect(hasFlag(cmd(text), ...flags)).toBe(expected);
  });
});

describe("flagValue", () => {
  const cases: [string, string, string | undefined][] = [
    ["curl -fsSLo /tmp/x https://x", "-o", "/tmp/x"],
    ["curl -o /tmp/x https://x", "-o", "/tmp/x"],
    ["curl --output=/tmp/x https://x", "--output", "/tmp/x"],
    ["curl --output /tmp/x https://x", "--output", "/tmp/x"],
    ["wget -qO- https://x", "-O", "-"],
    ["wget -O/tmp/a https://x", "-O", "/tmp/a"],
    ["docker build -t a -t b .", "-t", "b"],
    ["curl https://x", "-o", undefined],
    ["curl -o", "-o", undefined],
    ["useradd -u 1000 app", "-u", "1000"],
  ];
  it.each(cases)("%s %s → %j", (text, name, expected) => {
    expect(flagValue(cmd(text), name)).toBe(expected);
  });

  it("lists every value", () => {
    expect(flagValues(cmd("docker build -t a --tag=b -tc ."), "-t")).toEqual(["a", "c"]);
  });
});

describe("subcommand", () => {
  const cases: [string, string | undefined][] = [
    ["apt-get -y install x", "install"],
    ["apt-get -o Dpkg::Options::=--force-confnew -y install x", "install"],
    ["apt-get update", "update"],
    ["git -C /src clone https://x", "clone"],
    ["pip install --no-cache-dir x", "install"],
    ["npm --prefix /app ci", "ci"],
    ["ls -la", undefined],
    ["foo -- -bar", "-bar"],
  ];
  it.each(cases)("%s → %j", (text, expected) => {
    expect(subcommand(cmd(text))).toBe(expected);
  });
});

describe("effectiveCommand", () => {
  const cases: [string, string, string[]][] = [
    ["sudo apt-get install x", "apt-get", ["install", "x"]],
    ["sudo -E -u root bash -", "bash", ["-"]],
    ["env A=1 B=2 /usr/bin/python3 -", "python3", ["-"]],
    ["sudo env A=1 sh", "sh", []],
    ["timeout 30 curl x", "curl", ["x"]],
    ["/bin/sh -c x", "sh", ["-c", "x"]],
    ["sudo", "sudo", []],
  ];
  it.each(cases)("%s → %s", (text, name, args) => {
    expect(effectiveCommand(cmd(text))).toMatchObject({ name, args });
  });
});

describe("isPipeToShell", () => {
  const cases: [string, boolean][] = [
    ["curl -fsSL https://x/install.sh | bash -", true],
    ["curl -fsSL https://x/install.sh | bash", true],
    ["wget -qO- https://x | sh", true],
    ["curl -sL https://deb.nodesource.com/setup_18.x | sudo -E bash -", true],
    ["curl https://x | sudo sh", true],
    ["curl https://x | sh -s -- --version 1.2", true],
    ["curl https://x | bash -e", true],
    ["curl https://bootstrap.pypa.io/get-pip.py | python3", true],
    ["curl https://x | python -", true],
    ["curl https://x | tee /tmp/x | /bin/zsh", true],
    ["wget -O - https://x | ash", true],
    ["curl https://x | perl", true],
    ["curl -s https://api/x | python3 -c 'import json,sys; print(json.load(sys.stdin))'", false],
    ["curl -s https://api/x | python3 -m json.tool", false],
    ["curl -fsSL https://x | tar -xz", false],
    ["curl https://x | sh -c 'tar xz'", false],
    ["curl https://x | bash install.sh", false],
    ["cat install.sh | sh", false],
    ["sh -c 'curl x' | grep y", false],
    ["curl -o x https://x && sh x", false],
  ];
  it.each(cases)("%s → %s", (text, expected) => {
    expect(parseShell(text).pipelines.some(isPipeToShell)).toBe(expected);
  });

  it("finds pipe-to-shell inside substitutions and groups", () => {
    expect(parseShell("x=$(curl -s http://y | sh)").pipelines.some(isPipeToShell)).toBe(true);
    expect(parseShell("echo $(curl http://x | sh)").pipelines.some(isPipeToShell)).toBe(true);
    expect(parseShell("if true; then curl x | sh; fi").pipelines.some(isPipeToShell)).toBe(true);
    expect(parseShell("{ curl -fsSL x; } | bash").pipelines.some(isPipeToShell)).toBe(true);
  });
});

describe("commandNames", () => {
  it("lists distinct names in order, skipping assignment-only commands", () => {
    const script = parseShell(
      "set -eux; A=1; apt-get update; apt-get install -y curl; v=$(curl -s x); rm -rf /var/lib/apt/lists/*",
    );
    expect(commandNames(script)).toEqual(["set", "apt-get", "curl", "rm"]);
  });
});
