import type { SimpleCommand } from "../shell/types.js";
import type { Rule } from "./types.js";
import { cacheMountTargets, instructionsOf, operands, runCommands, YUM_VALUE_FLAGS } from "./util.js";

interface Manager {
  readonly installs: readonly string[];
  readonly caches: readonly string[];
  readonly clean: string;
  isClean(command: SimpleCommand): boolean;
}

const ZYPPER_VALUE_FLAGS = [
  "--root",
  "-R",
  "--reposd-dir",
  "-D",
  "--cache-dir",
  "-C",
  "--raw-cache-dir",
  "--config",
  "-c",
];
function cleanAll(command: SimpleCommand): boolean {
  const [sub, what] = operands(command, YUM_VALUE_FLAGS);
  return sub === "clean" && what === "all";
}

const MANAGERS: Readonly<Record<string, Manager>> = {
  yum: {
    installs: ["install", "groupinstall", "localinstall"],
    caches: ["/var/cache/yum"],
    clean: "yum clean all",
    isClean: cleanAll,
  },
  dnf: {
    installs: ["install", "groupinstall"],
    caches: ["/var/cache/dnf", "/var/cache/yum"],
    clean: "dnf clean all",
    isClean: cleanAll,
  },
  microdnf: {
    installs: ["install"],
    caches: ["/var/cache/yum", "/var/cache/dnf"],
    clean: "microdnf clean all",
    isClean: cleanAll,
  },
  zypper: {
    installs: ["install", "in"],
    caches: ["/var/cache/zypp"],
    clean: "zypper clean --all",
    isClean: (c) => ["clean", "cc"].includes(operands(c, ZYPPER_VALUE_FLAGS)[0] ?? ""),
  },
};

function subcommandOf(command: SimpleCommand): string | undefined {
  return operands(command, command.name === "zypper" ? ZYPPER_VALUE_FLAGS : YUM_VALUE_FLAGS)[0];
}

export const pc112: Rule = {
  id: "PC112",
  name: "package-cache-cleaned",
  severity: "info",
  rationale:
    "yum, dnf, microdnf and zypper keep downloaded metadata and packages in /var/cache. Unless the " +
    "cache is cleaned in the same RUN that installs, it is committed into the layer and shipped with " +
    "the image, often adding hundreds of megabytes that serve no purpose at runtime.",
  fix:
    "End the installing RUN with `&& yum clean all` (`dnf clean all`, `microdnf clean all`, `zypper clean --all`), " +
    "or use a cache mount for /var/cache/<manager>.",
  equivalents: { hadolint: "DL3032, DL3040, DL3036", trivy: "DS015, DS019, DS020" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "RUN")) {
      const commands = runCommands(instruction);
      const mounts = cacheMountTargets(instruction);
      const reported = new Set<string>();
      for (const command of commands) {
        const manager = MANAGERS[command.name];
        if (manager === undefined || reported.has(command.name)) continue;
        const sub = subcommandOf(command);
        if (sub === undefined || !manager.installs.includes(sub)) continue;
        const cleaned =
          commands.some((c) => c.name === command.name && manager.isClean(c)) ||
          commands.some(
            (c) => c.name === "rm" && operands(c).some((p) => manager.caches.some((d) => p.startsWith(d))),
          ) ||
          mounts.some((t) => manager.caches.includes(t));
        if (!cleaned) {
          reported.add(command.name);
          context.report(at, `${command.name} ${sub} without \`${manager.clean}\` in the same RUN`);
        }
      }
    }
  },
};
