import { LocalDriver } from "./local/local.js";
import { MemoryDriver } from "./memory/memory.js";

export { LocalDriver, type LocalDriverOptions } from "./local/local.js";
export { MemoryDriver } from "./memory/memory.js";
export { RESERVED_TOP_LEVEL } from "./paths.js";

/** What configuration gives a driver: its folder (where it has one) and whether to fsync. */
export interface DriverSettings {
  readonly root: string;
  readonly fsync: boolean;
}

/** The bundled drivers by name: the one list that configuration (`storage.driver`) chooses from. */
export const drivers = {
  local: (settings: DriverSettings) => new LocalDriver(settings.root, { fsync: settings.fsync }),
  memory: (_settings: DriverSettings) => new MemoryDriver(),
} as const;

export type DriverName = keyof typeof drivers;
