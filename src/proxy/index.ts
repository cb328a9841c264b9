export {
  type AllowRule,
  type AllowVerdict,
  allowRuleProblem,
  checkAllowlist,
  MAX_ALLOW_RULES,
  tagVersion,
} from "./allowlist.js";
export {
  type Prepared,
  type ProxyProject,
  PullThroughCache,
  type PullThroughOptions,
  type ScanWaiter,
} from "./cache.js";
export { ProxyError, type ProxyErrorCode } from "./errors.js";
export {
  isDockerHubUpstream,
  type ProxySettings,
  ProxySettingsSchema,
  proxySettingsOf,
  upstreamNamed,
  upstreamRepository,
} from "./settings.js";
