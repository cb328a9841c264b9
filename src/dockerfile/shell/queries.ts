import type { Pipeline, ShellScript, SimpleCommand } from "./types.js";

/** The arguments that can be options: those before a `--`. */
function optionArgs(args: readonly string[]): readonly string[] {
  const end = args.indexOf("--");
  return end < 0 ? args : args.slice(0, end);
}

function isShortFlag(flag: string): boolean {
  return /^-[^-]$/.test(flag);
}

/** The letters of a getopt-style cluster (`-fsSL` → `fsSL`); stops at the first non-alphanumeric (`-qO-`). */
function cluster(arg: string): string {
  if (!arg.startsWith("-") || arg.startsWith("--")) return "";
  return /^[A-Za-z0-9]*/.exec(arg.slice(1))?.[0] ?? "";
}

/**
 * Whether `cmd` has any of `flags` before a `--`. A one-letter flag (`-s`) also matches inside a combined
 * cluster (`-fsSL`); a long flag (`--silent`, or single-dash `-name`) matches exactly or as `--flag=value`.
 * Clusters are read getopt-style, so single-dash long options (`find -name`) can give false positives for
 * one-letter flags; pass the exact spelling for such commands.
 */
export function hasFlag(cmd: SimpleCommand, ...flags: string[]): boolean {
  const args = optionArgs(cmd.args);
  return flags.some((flag) =>
    args.some((arg) => {
      if (arg === flag || arg.startsWith(`${flag}=`)) return true;
      return isShortFlag(flag) && cluster(arg).includes(flag.charAt(1));
    }),
  );
}

/**
 * Every value given to the option `name`: `--name=v`, `--name v`, `-n v`, `-nv`, or the last letter of a
 * cluster (`-qO-` gives `-` for `-O`, `-fsSLo out` gives `out` for `-o`). Assumes `name` takes a value.
 */
export function flagValues(cmd: SimpleCommand, name: string): string[] {
  const args = optionArgs(cmd.args);
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const next = args[i + 1];
    if (arg === name) {
      if (next !== undefined) values.push(next);
      i++;
    } else if (arg.startsWith(`${name}=`)) {
      values.push(arg.slice(name.length + 1));
    } else if (isShortFlag(name)) {
      const letters = cluster(arg);
      const at = letters.indexOf(name.charAt(1));
      if (at < 0) continue;
      const rest = arg.slice(at + 2);
      if (rest !== "") values.push(rest);
      else if (next !== undefined) {
        values.push(next);
        i++;
      }
    }
  }
  return values;
}

/** The value of the option `name` (the last one given, as most tools do), or undefined. See `flagValues`. */
export function flagValue(cmd: SimpleCommand, name: string): string | undefined {
  return flagValues(cmd, name).at(-1);
}

/** Options that take a separate value, per command, so `subcommand` can skip that value. */
const VALUE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  "apt-get": ["-o", "-c", "-t", "--option", "--config-file", "--target-release"],
  apt: ["-o", "-c", "-t", "--option", "--config-file", "--target-release"],
  git: ["-C", "-c", "--git-dir", "--work-tree", "--namespace"],
  npm: ["--prefix", "--registry", "--cache", "-w", "--workspace"],
  yarn: ["--cwd", "--cache-folder", "--registry"],
  pip: ["--index-url", "-i", "--extra-index-url", "--trusted-host", "--cache-dir", "--proxy"],
  pip3: ["--index-url", "-i", "--extra-index-url", "--trusted-host", "--cache-dir", "--proxy"],
  apk: ["-X", "--repository", "-p", "--root", "--cache-dir", "--arch", "--keys-dir"],
  yum: ["-c", "--config", "--enablerepo", "--disablerepo", "--installroot", "--releasever"],
  dnf: ["-c", "--config", "--enablerepo", "--disablerepo", "--installroot", "--releasever"],
  go: ["-C"],
  docker: ["-H", "--host", "-c", "--context", "--config", "-l", "--log-level"],
};

/**
 * The first argument that is not an option (`install` for `apt-get -y install x`), or undefined. Values of
 * known value-taking options are skipped (`apt-get -o Dpkg::Options::=--force-confnew install`); pass
 * `valueFlags` for other commands.
 */
export function subcommand(
  cmd: SimpleCommand,
  valueFlags: readonly string[] = VALUE_FLAGS[basename(cmd.name)] ?? [],
): string | undefined {
  for (let i = 0; i < cmd.args.length; i++) {
    const arg = cmd.args[i] ?? "";
    if (arg === "--") return cmd.args[i + 1];
    if (!arg.startsWith("-") || arg === "-") return arg;
    if (valueFlags.includes(arg)) i++;
  }
  return undefined;
}

/** The distinct command names in `script`, in order of first appearance (assignment-only lines skipped). */
export function commandNames(script: ShellScript): string[] {
  return [...new Set(script.commands.map((c) => c.name).filter((n) => n !== ""))];
}

/** `/usr/bin/curl` → `curl`. */
export function basename(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** Options of wrapper commands that take a separate value. */
const WRAPPER_VALUE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  sudo: ["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group", "--chdir"],
  doas: ["-u", "-C"],
  env: ["-u", "-C", "-S", "--unset", "--chdir"],
  nice: ["-n", "--adjustment"],
  timeout: ["-s", "-k", "--signal", "--kill-after"],
  exec: ["-a"],
  command: [],
  nohup: [],
  time: [],
  xargs: ["-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a"],
};

/**
 * The command a wrapper runs: `sudo -E apt-get install x` → `apt-get` with `install x`; also `env A=1 cmd`,
 * `doas`, `nice`, `nohup`, `time`, `command`, `exec`, `timeout 5 cmd`, `xargs`. Nested wrappers are unwrapped.
 * `name` is the basename (`/usr/bin/sudo` → `sudo`). Returns `cmd` itself (basename'd) when not a wrapper.
 */
export function effectiveCommand(cmd: SimpleCommand): SimpleCommand {
  let current = cmd;
  for (let guard = 0; guard < 8; guard++) {
    const name = basename(current.name);
    const valueFlags = WRAPPER_VALUE_FLAGS[name];
    if (valueFlags === undefined) return name === current.name ? current : { ...current, name };
    let i = 0;
    const args = current.args;
    while (i < args.length) {
      const arg = args[i] ?? "";
      if (arg === "--") {
        i++;
        break;
      }
      if (arg.startsWith("-")) i += valueFlags.includes(arg) ? 2 : 1;
      else if (name === "env" && arg.includes("=")) i++;
      else if (name === "timeout" && /^[0-9.]+[smhd]?$/.test(arg)) i++;
      else break;
    }
    const inner = args[i];
    if (inner === undefined) return { ...current, name };
    current = {
      name: inner,
      args: args.slice(i + 1),
      assignments: current.assignments,
      raw: current.raw,
      ...(current.fromArgument ? { fromArgument: true as const } : {}),
    };
  }
  return current;
}

const DOWNLOADERS = new Set(["curl", "wget", "fetch", "aria2c"]);
const SH = /^(sh|bash|zsh|ash|dash|ksh|mksh|fish|csh|tcsh)$/;
/** Interpreters, with the options that make them run code given on the command line instead of stdin. */
const INLINE_CODE_FLAGS: readonly [RegExp, readonly string[]][] = [
  [SH, ["-c"]],
  [/^python[0-9.]*$/, ["-c", "-m"]],
  [/^(perl|ruby)$/, ["-e", "-E"]],
  [/^node(js)?$/, ["-e", "-p", "--eval", "--print"]],
  [/^php[0-9.]*$/, ["-r"]],
];

/** Whether `cmd` is an interpreter running a script read from stdin (`sh`, `bash -s -- x`, `python -`). */
function readsStdin(cmd: SimpleCommand): boolean {
  const entry = INLINE_CODE_FLAGS.find(([re]) => re.test(cmd.name));
  if (entry === undefined || hasFlag(cmd, ...entry[1])) return false;
  if (SH.test(cmd.name) && hasFlag(cmd, "-s")) return true;
  const operand = optionArgs(cmd.args).find((a) => !a.startsWith("-") || a === "-");
  return operand === undefined || operand === "-";
}

/**
 * Whether `pipeline` downloads something (`curl`, `wget`) and pipes it, possibly through other commands,
 * into a shell or interpreter reading its script from stdin: `curl -fsSL x | bash -`, `wget -qO- x | sudo sh`,
 * `curl x | python3`. Not `curl x | python3 -c '...'` or `curl x | sh -c 'tar x'` (stdin is data there).
 */
export function isPipeToShell(pipeline: Pipeline): boolean {
  const commands = pipeline.commands.map(effectiveCommand);
  const download = commands.findIndex((c) => DOWNLOADERS.has(c.name));
  if (download < 0) return false;
  return commands.slice(download + 1).some(readsStdin);
}
