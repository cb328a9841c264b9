import type { FastifyRequest } from "fastify";
import type { Platform } from "../../../app/index.js";
import { type IdentityRoute, openRoute } from "../identity/route.js";
import { SystemInfo } from "./schemas.js";

/** HOST[:PORT] as a Host header carries it (a name, an IPv4 address or a bracketed IPv6 one). */
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

/**
 * The host clients name this registry's images with. The console is served from the registry's own
 * origin, so the Host the browser reached it at is the one `podman pull` reaches too (a proxy's name,
 * not the listen address behind it); without a usable Host header, the listen address.
 */
export function registryHost(platform: Platform, request: FastifyRequest): string {
  const host = request.headers.host;
  if (host && HOST.test(host)) return host;
  const { host: listen, port } = platform.config.server;
  return `${listen.includes(":") ? `[${listen}]` : listen}:${port}`;
}

export const SYSTEM_ROUTES: readonly IdentityRoute[] = [
  openRoute({
    id: "systemInfo",
    method: "GET",
    path: "/api/v1/system/info",
    summary: "The server's version, how callers sign in, and the host to name its images with",
    tag: "system",
    access: { kind: "anyone" },
    response: SystemInfo,
    handle: async ({ platform, request }) => ({
      version: platform.version,
      authMode: platform.config.auth.mode,
      oidc: platform.identity?.oidc !== undefined,
      registryHost: registryHost(platform, request),
    }),
  }),
];
