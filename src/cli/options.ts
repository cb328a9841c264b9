import { type ResolvedConfig, resolveConfig } from "../app/index.js";
import type { PlatformFlags } from "./define.js";

export { type PlatformFlags, withPlatformFlags } from "./define.js";

export function configFrom(
  flags: PlatformFlags,
  extra: Record<string, string | boolean | undefined> = {},
): ResolvedConfig {
  return resolveConfig({
    ...(flags.config ? { file: flags.config } : {}),
    flags: { "storage.dataDir": flags.data, ...extra },
  });
}
