import { flagValues } from "../shell/index.js";
import type { SimpleCommand } from "../shell/types.js";
import type { Rule } from "./types.js";
import { hasFlag, instructionsOf, keyValue, runCommands } from "./util.js";

/** What a command turns off: signature checks on packages or TLS verification of downloads. */
function disabledVerification(command: SimpleCommand): string | undefined {
  const { name } = command;
  if (name === "apt-get" || name === "apt") {
    const options = [...flagValues(command, "-o"), ...flagValues(command, "--option")];
    if (hasFlag(command, "--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes"))
      return "installs unauthenticated packages";
    if (options.some((o) => /(AllowUnauthenticated|AllowInsecureRepositories)\s*=\s*(true|1|yes)/i.test(o)))
      return "installs unauthenticated packages";
  }
  if (["yum", "dnf", "microdnf", "tdnf"].includes(name)) {
    if (hasFlag(command, "--nogpgcheck")) return "skips package signature checks";
    const setopts = flagValues(command, "--setopt");
    if (setopts.some((o) => /(^|\.)(gpgcheck|sslverify)\s*=\s*(0|false|no)$/i.test(o)))
      return "turns off signature or TLS checks";
  }
  if (name === "zypper" && hasFlag(command, "--no-gpg-checks")) return "skips package signature checks";
  if (name === "rpm" && hasFlag(command, "--nosignature", "--nodigest"))
    return "skips package signature checks";
  if (name === "apk" && hasFlag(command, "--allow-untrusted")) return "installs untrusted packages";
  if (/^pip[0-9.]*$/.test(name) && hasFlag(command, "--trusted-host")) return "trusts a host without TLS";
  if (name === "curl" && hasFlag(command, "-k", "--insecure")) return "skips TLS certificate checks";
  if (name === "wget" && hasFlag(command, "--no-check-certificate")) return "skips TLS certificate checks";
  if (
    name === "git" &&
    flagValues(command, "-c").some((c) => /^http\.sslverify\s*=\s*(false|0|no)$/i.test(c))
  )
    return "skips TLS certificate checks";
  if (
    (name === "npm" || name === "yarn") &&
    command.args.includes("strict-ssl") &&
    command.args.includes("false")
  )
    return "skips TLS certificate checks";
  return undefined;
}

/** Environment variables that turn TLS or signature verification off for every later command. */
const INSECURE_ENV: Readonly<Record<string, RegExp>> = {
  GIT_SSL_NO_VERIFY: /^(1|true|yes)$/i,
  NODE_TLS_REJECT_UNAUTHORIZED: /^0$/,
  PYTHONHTTPSVERIFY: /^0$/,
  PIP_TRUSTED_HOST: /./,
  CURL_INSECURE: /^(1|true|yes)$/i,
};

export const pc149: Rule = {
  id: "PC149",
  name: "verified-packages-only",
  severity: "error",
  rationale:
    "Package signatures and TLS certificates are what ties a downloaded package to its publisher. " +
    "Turning them off (`--allow-unauthenticated`, `--nogpgcheck`, `--allow-untrusted`, `curl -k`, " +
    "`pip --trusted-host`, `GIT_SSL_NO_VERIFY=1`) lets anyone on the network path, or a compromised " +
    "mirror, put their code into the image (CIS Docker Benchmark 4.11: install verified packages only).",
  fix: "Remove the option, import the repository's signing key (or CA certificate) and let the tool verify.",
  equivalents: { cis: "4.11" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      // One finding per distinct problem and RUN (`curl -k` twice in a RUN is one finding).
      const messages = new Set<string>();
      for (const command of runCommands(instruction)) {
        const what = disabledVerification(command);
        if (what !== undefined) messages.add(`${command.name} ${what}`);
        for (const assignment of command.assignments) {
          const { key, value } = keyValue(assignment);
          if (value !== undefined && INSECURE_ENV[key]?.test(value))
            messages.add(`${key}=${value} turns off verification`);
        }
      }
      for (const message of messages) context.report(at, message);
    }
    for (const { instruction, at } of instructionsOf(context, "ENV")) {
      for (const arg of instruction.args) {
        const { key, value } = keyValue(arg);
        if (value !== undefined && INSECURE_ENV[key]?.test(value))
          context.report(at, `ENV ${key}=${value} turns off verification`);
      }
    }
  },
};
