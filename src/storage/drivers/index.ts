import { LocalDriver, type LocalDriverOptions } from "./local/local.js";
import { MemoryDriver } from "./memory/memory.js";

export { LocalDriver, type LocalDriverOptions } from "./local/local.js";
export { MemoryDriver } from "./memory/memory.js";
export { RESERVED_TOP_LEVEL } from "./paths.js";

/** The bundled drivers by name, for configuration (`storage.driver: local`). */
export const drivers = {
  local: (options: { root: string } & LocalDriverOptions) => new LocalDriver(options.root, options),
  memory: () => new MemoryDriver(),
} as const;

export type DriverName = keyof typeof drivers;
