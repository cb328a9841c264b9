import { z } from "zod";
import { allowRuleProblem, MAX_ALLOW_RULES } from "./allowlist.js";

// host[:port] as written in image references: a DNS name or IPv4 address, or a bracketed IPv6 address.
const UPSTREAM = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const NAMESPACE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * A proxy project's settings (`settings.proxy` of a project): its repositories are copies of the
 * upstream registry's, fetched on first pull and kept, for the upstream repositories and tags the
 * allowlist names. Stored by `auth/` with the project's other settings, checked here.
 */
export const ProxySettingsSchema = z.strictObject({
  upstream: z
    .string()
    .regex(
      UPSTREAM,
      "host[:port] of the upstream registry, as in image references (docker.io, ghcr.io, 127.0.0.1:5001)",
    )
    .describe("the upstream registry, host[:port] as in image references; Docker Hub is docker.io"),
  allow: z
    .array(
      z.string().superRefine((rule, ctx) => {
        const problem = allowRuleProblem(rule);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
    .max(MAX_ALLOW_RULES)
    .describe(
      "what may be pulled through: REPO_GLOB (every tag), REPO_GLOB:TAG_GLOB, or REPO_GLOB@SEMVER_RANGE, over the upstream's repository path (library/alpine on Docker Hub); anything else is refused before the upstream is asked",
    ),
  namespace: z
    .string()
    .regex(NAMESPACE)
    .optional()
    .describe(
      "the upstream namespace of one-component names (alpine → library/alpine); library for Docker Hub by default, none otherwise",
    ),
  insecure: z.boolean().optional().describe("plain HTTP to a non-loopback upstream"),
  username: z.string().min(1).max(255).optional().describe("the upstream's user name, when it needs one"),
});

export type ProxySettings = z.infer<typeof ProxySettingsSchema>;

/** A project's `settings.proxy` when it is a well-formed proxy setting (the column is JSON), else undefined. */
export function proxySettingsOf(value: unknown): ProxySettings | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = ProxySettingsSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Whether `upstream` names Docker Hub (whose one-component names live in `library/`). */
export function isDockerHubUpstream(upstream: string): boolean {
  return DOCKER_HUB.has(upstream.toLowerCase());
}

/**
 * The upstream repository a path inside a proxy project stands for: `alpine` is Docker Hub's
 * `library/alpine` (or `NAMESPACE/alpine` when the setting names one); longer paths are as written.
 */
export function upstreamRepository(settings: ProxySettings, path: string): string {
  if (path.includes("/")) return path;
  const namespace = settings.namespace ?? (isDockerHubUpstream(settings.upstream) ? "library" : undefined);
  return namespace ? `${namespace}/${path}` : path;
}

/**
 * Whether a containerd `?ns=` value names this upstream: the same host[:port], Docker Hub by any of
 * its names.
 */
export function upstreamNamed(settings: ProxySettings, ns: string): boolean {
  const a = ns.toLowerCase();
  const b = settings.upstream.toLowerCase();
  return a === b || (DOCKER_HUB.has(a) && DOCKER_HUB.has(b));
}
