import type { Rule } from "./types.js";
import { hasVariable, instructionsOf, keyValue } from "./util.js";

/** Name segments (split on `_`, `-`, `.` and camelCase) that mark a variable as holding a secret. */
const SECRET_WORDS = new Set([
  "PASSWORD",
  "PASSWD",
  "PASSPHRASE",
  "SECRET",
  "TOKEN",
  "APIKEY",
  "CREDENTIALS",
  "CREDENTIAL",
]);
/** Adjacent segment pairs that do (`API_KEY`, `PRIVATE_KEY`, `ACCESS_KEY`, ...). */
const SECRET_PAIRS = new Set([
  "API KEY",
  "PRIVATE KEY",
  "ACCESS KEY",
  "SECRET KEY",
  "AUTH KEY",
  "SIGNING KEY",
  "ENCRYPTION KEY",
  "CLIENT SECRET",
]);
/** A last segment saying the variable points at a secret rather than holding it (`TOKEN_FILE`). */
const REFERENCE_WORDS = new Set([
  "FILE",
  "PATH",
  "DIR",
  "URL",
  "NAME",
  "ID",
  "HOST",
  "PORT",
  "ENDPOINT",
  "TYPE",
  "LENGTH",
  "SIZE",
  "MODE",
  "VERSION",
  "ENABLED",
  "EXPIRY",
  "TTL",
]);

function segments(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[_.-]+/)
    .filter((s) => s !== "");
}

/** True when the variable's name says it holds a secret. */
export function isSecretName(name: string): boolean {
  const parts = segments(name);
  const last = parts[parts.length - 1];
  if (last === undefined || REFERENCE_WORDS.has(last)) return false;
  if (parts.some((p) => SECRET_WORDS.has(p))) return true;
  return parts.some((p, i) => i > 0 && SECRET_PAIRS.has(`${parts[i - 1]} ${p}`));
}

const KNOWN_PREFIXES: readonly [RegExp, string][] = [
  [/^gh[pousr]_[A-Za-z0-9]{20,}/, "a GitHub token"],
  [/^github_pat_[A-Za-z0-9_]{20,}/, "a GitHub token"],
  [/^glpat-[A-Za-z0-9_-]{20,}/, "a GitLab token"],
  [/^(AKIA|ASIA)[A-Z0-9]{16}$/, "an AWS access key id"],
  [/^xox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/^-----BEGIN [A-Z ]*PRIVATE KEY/, "a private key"],
  [/^(sk|rk)_live_[A-Za-z0-9]{16,}/, "a Stripe key"],
  [/^npm_[A-Za-z0-9]{36}$/, "an npm token"],
  [/^AIza[0-9A-Za-z_-]{35}$/, "a Google API key"],
];

/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const length = [...text].length;
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** What a value looks like when it looks like a credential, else undefined. */
export function secretValueKind(value: string): string | undefined {
  for (const [pattern, kind] of KNOWN_PREFIXES) if (pattern.test(value)) return kind;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@$]+@/i.test(value)) return "a URL with an embedded password";
  // Token-like: one word of token characters, not a path, URL, list or reference.
  if (
    value.length >= 20 &&
    /^[A-Za-z0-9+/=_.-]+$/.test(value) &&
    !value.startsWith("/") &&
    !value.includes("//")
  ) {
    if (shannonEntropy(value) >= 4.0) return "a high-entropy token";
  }
  return undefined;
}

export const pc115: Rule = {
  id: "PC115",
  name: "no-secrets-in-env-arg",
  severity: "error",
  rationale:
    "ENV values are baked into the image configuration and ARG values into the build history: anyone " +
    "who can pull the image can read them with `docker inspect` or `docker history`, long after the " +
    "credential was meant to be temporary. Secrets in a Dockerfile also end up in source control and " +
    "build logs. BuildKit secret mounts make a secret available to one RUN without storing it anywhere.",
  fix:
    "Remove the value from the Dockerfile and pass it as a build secret: `RUN --mount=type=secret,id=npm_token " +
    "NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci`, built with `docker build --secret id=npm_token,env=NPM_TOKEN`; " +
    "provide runtime secrets through the orchestrator, not the image.",
  equivalents: { cis: "4.10", buildkit: "SecretsUsedInArgOrEnv" },
  check(context) {
    for (const { instruction, at } of instructionsOf(context, "ENV", "ARG")) {
      for (const arg of instruction.args) {
        const { key, value: written } = keyValue(arg);
        if (written === undefined || written === "") continue;
        // `ENV TOKEN=$BUILD_TOKEN` bakes the ARG's value into the image: judge the expanded value.
        const value = hasVariable(written)
          ? (context.envAt(instruction).expand(arg.slice(key.length + 1)) ?? written)
          : written;
        const kind = secretValueKind(value);
        if (kind !== undefined) {
          context.report(at, `${instruction.keyword} ${key} holds what looks like ${kind}`);
        } else if (isSecretName(key)) {
          context.report(at, `${instruction.keyword} ${key} sets a secret-named variable to a value`);
        }
      }
    }
  },
};
