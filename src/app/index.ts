export { ConfigError, isLoopback, parseListen, type ConfigSources, type ResolvedConfig, resolveConfig } from "./config.js";
export { CONFIG_KEYS, type ConfigKey, envName } from "./config-keys.js";
export { createPlatform, type Platform, type PlatformOptions } from "./platform.js";
