import { PortcullisError } from "../core/index.js";

/**
 * The pull-through cache's refusals. `server/errors.ts` maps each to its wire code: an allowlist
 * refusal and a pending scan are DENIED (403) with the reason; an upstream that cannot answer for
 * content not cached here is UNAVAILABLE (503).
 */
export type ProxyErrorCode = "PROXY_DENIED" | "PROXY_SCAN_PENDING" | "UPSTREAM_UNAVAILABLE" | "PROXY_INVALID";

export class ProxyError extends PortcullisError<ProxyErrorCode> {}
