import { LocalDriver } from "./local/local.js";
import { MemoryDriver } from "./memory/memory.js";
import type { S3Settings } from "./s3/client.js";
import { S3Driver } from "./s3/s3.js";

export { LocalDriver, type LocalDriverOptions } from "./local/local.js";
export { MemoryDriver } from "./memory/memory.js";
export { RESERVED_TOP_LEVEL } from "./paths.js";
export type { S3Settings } from "./s3/client.js";
export { S3Driver, type S3DriverOptions } from "./s3/s3.js";

/** What configuration gives a driver: its folder (where it has one) and whether to fsync. */
export interface DriverSettings {
  readonly root: string;
  readonly fsync: boolean;
  /** The bucket and its credentials, for `s3` (required there). */
  readonly s3?: S3Settings;
}

/** The bundled drivers by name: the one list that configuration (`storage.driver`) chooses from. */
export const drivers = {
  local: (settings: DriverSettings) => new LocalDriver(settings.root, { fsync: settings.fsync }),
  memory: (_settings: DriverSettings) => new MemoryDriver(),
  s3: (settings: DriverSettings) => {
    if (!settings.s3) throw new TypeError("the s3 driver needs its storage.s3 settings");
    return new S3Driver(settings.s3);
  },
} as const;

export type DriverName = keyof typeof drivers;
