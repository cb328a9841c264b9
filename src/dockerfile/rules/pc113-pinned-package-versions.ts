import type { SimpleCommand } from "../shell/types.js";
import type { Rule } from "./types.js";
import {
  aptCall,
  basename,
  hasFlag,
  hasVariable,
  instructionsOf,
  operands,
  runCommands,
  YUM_VALUE_FLAGS,
} from "./util.js";

/** Operands that are files, directories or URLs rather than registry package names. */
function isLocalOrUrl(word: string): boolean {
  return (
    word.startsWith(".") ||
    word.startsWith("/") ||
    word.startsWith("~") ||
    word.includes("://") ||
    /^(git\+|github:|gitlab:|bitbucket:|file:)/.test(word) ||
    /\.(deb|rpm|apk|whl|tar\.gz|tgz|zip|gem)$/.test(word)
  );
}

function unpinnedApt(command: SimpleCommand): string[] {
  const call = aptCall(command);
  if (call?.sub !== "install") return [];
  return call.packages.filter((p) => !p.includes("=") && !isLocalOrUrl(p) && !hasVariable(p));
}

const APK_VALUE_FLAGS = ["-X", "--repository", "-t", "--virtual", "-p", "--root", "--arch", "--keys-dir"];

function unpinnedApk(command: SimpleCommand): string[] {
  if (command.name !== "apk") return [];
  const [sub, ...packages] = operands(command, APK_VALUE_FLAGS);
  if (sub !== "add") return [];
  return packages.filter((p) => !/[=~<>]/.test(p) && !isLocalOrUrl(p) && !hasVariable(p));
}

const PIP_VALUE_FLAGS = [
  "-r",
  "--requirement",
  "-c",
  "--constraint",
  "-e",
  "--editable",
  "-i",
  "--index-url",
  "--extra-index-url",
  "-t",
  "--target",
  "--prefix",
  "--root",
  "-f",
  "--find-links",
  "--trusted-host",
  "--platform",
  "--python-version",
  "--implementation",
  "--abi",
  "--src",
  "--cache-dir",
  "--upgrade-strategy",
  "--only-binary",
  "--no-binary",
  "--progress-bar",
  "--log",
  "--proxy",
  "--timeout",
  "--retries",
];

/** `pip install`, `pip3 install`, `python -m pip install`: the packages named on the command line. */
export function pipInstallPackages(command: SimpleCommand): string[] | undefined {
  let args: readonly string[] = command.args;
  if (/^python[0-9.]*$/.test(command.name)) {
    const m = args.indexOf("-m");
    if (m === -1 || args[m + 1] !== "pip") return undefined;
    args = args.slice(m + 2);
  } else if (!/^pip[0-9.]*$/.test(command.name)) {
    return undefined;
  }
  const [sub, ...packages] = operands({ ...command, args }, PIP_VALUE_FLAGS);
  return sub === "install" ? packages : undefined;
}

function unpinnedPip(command: SimpleCommand): string[] {
  const packages = pipInstallPackages(command) ?? [];
  return packages.filter((p) => !/(==|>=|<=|~=|!=|<|>|@)/.test(p) && !isLocalOrUrl(p) && !hasVariable(p));
}

function unpinnedNpm(command: SimpleCommand): string[] {
  if (command.name !== "npm") return [];
  const [sub, ...packages] = operands(command, ["--prefix", "--registry", "--tag", "-w", "--workspace"]);
  if (sub === undefined || !["install", "i", "add", "isntall"].includes(sub)) return [];
  return packages.filter((p) => {
    if (isLocalOrUrl(p) || hasVariable(p)) return false;
    const versionAt = p.indexOf("@", p.startsWith("@") ? 1 : 0);
    return versionAt === -1 || versionAt === p.length - 1 || p.endsWith("@latest");
  });
}

function unpinnedGem(command: SimpleCommand): string[] {
  if (command.name !== "gem" || hasFlag(command, "-v", "--version")) return [];
  const [sub, ...packages] = operands(command, [
    "-v",
    "--version",
    "-s",
    "--source",
    "-i",
    "--install-dir",
    "-n",
    "--bindir",
    "--platform",
  ]);
  if (sub !== "install") return [];
  return packages.filter((p) => !p.includes(":") && !isLocalOrUrl(p) && !hasVariable(p));
}

/** `yum/dnf/microdnf install`: a package is pinned as `name-1.2.3` (or with an epoch, `name-0:1.2`). */
function unpinnedRpm(command: SimpleCommand): string[] {
  if (!["yum", "dnf", "microdnf"].includes(command.name)) return [];
  const [sub, ...packages] = operands(command, YUM_VALUE_FLAGS);
  if (sub !== "install" && sub !== "reinstall") return [];
  // `@group`, `module:stream` and provides (`/usr/bin/x`, `pkgconfig(x)`) are not versioned names.
  return packages.filter(
    (p) => !/-\d/.test(p) && !/[:@()]/.test(p) && !isLocalOrUrl(p) && !hasVariable(p) && !p.endsWith(".rpm"),
  );
}

/** `zypper install`: pinned as `name=1.2`, `name>=1.2`, `name<2` or `name-1.2`. */
function unpinnedZypper(command: SimpleCommand): string[] {
  if (command.name !== "zypper") return [];
  const [sub, ...packages] = operands(command, [
    "--root",
    "-R",
    "-D",
    "-C",
    "-c",
    "--config",
    "-t",
    "--type",
  ]);
  if (sub !== "install" && sub !== "in") return [];
  return packages.filter(
    (p) => !/[=<>]|-\d/.test(p) && !isLocalOrUrl(p) && !hasVariable(p) && !p.endsWith(".rpm"),
  );
}

/** `go install pkg@version` (Go 1.16+): `@latest` or no version is unpinned. */
function unpinnedGo(command: SimpleCommand): string[] {
  if (command.name !== "go") return [];
  const [sub, ...packages] = operands(command, ["-C", "-o", "-ldflags", "-gcflags", "-tags", "-mod", "-p"]);
  if (sub !== "install") return [];
  return packages.filter((p) => {
    if (hasVariable(p) || p.startsWith(".") || p.startsWith("/")) return false;
    const at = p.lastIndexOf("@");
    return at === -1 || p.slice(at + 1) === "latest" || p.slice(at + 1) === "";
  });
}

const CHECKS: readonly ((command: SimpleCommand) => string[])[] = [
  unpinnedApt,
  unpinnedApk,
  unpinnedPip,
  unpinnedNpm,
  unpinnedGem,
  unpinnedRpm,
  unpinnedZypper,
  unpinnedGo,
];

export const pc113: Rule = {
  id: "PC113",
  name: "pinned-package-versions",
  severity: "warning",
  rationale:
    "Installing a package without a version installs whatever is newest on the day of the build, so " +
    "two builds of the same commit can contain different software, a broken or malicious release is " +
    "picked up automatically, and a vulnerability report cannot be traced back to a reviewed change. " +
    "Pinned versions make builds reproducible and upgrades deliberate.",
  fix:
    "Pin each package: `apt-get install pkg=1.2.3-1`, `apk add pkg=1.2.3-r0`, `pip install pkg==1.2.3` " +
    "(or `-r requirements.txt` with hashes), `npm install pkg@1.2.3` (or `npm ci` with a lockfile), " +
    "`gem install pkg -v 1.2.3`, `yum/dnf install pkg-1.2.3`, `zypper install pkg=1.2.3`, " +
    "`go install example.com/cmd@v1.2.3`.",
  equivalents: { hadolint: "DL3008, DL3018, DL3013, DL3016, DL3028, DL3033, DL3037, DL3041, DL3062" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      for (const command of runCommands(instruction)) {
        for (const check of CHECKS) {
          const unpinned = check(command);
          if (unpinned.length > 0) {
            context.report(
              at,
              `${basename(command.name)}: unpinned package version(s): ${unpinned.join(", ")}`,
            );
          }
        }
      }
    }
  },
};
