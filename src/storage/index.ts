export {
  type Database,
  type DedicatedConnection,
  type DialectName,
  type InvalidationBus,
  type InvalidationListener,
  LocalInvalidationBus,
  type OpenDatabaseOptions,
  openDatabase,
  openInvalidationBus,
  PostgresInvalidationBus,
  redactUrl,
  type Schema,
} from "./db/index.js";
export {
  checkPath,
  type FileInfo,
  type FileWriter,
  type RandomAccessFile,
  type StorageDriver,
  StorageError,
  type StorageErrorCode,
} from "./driver.js";
export {
  type DriverName,
  type DriverSettings,
  drivers,
  LocalDriver,
  type LocalDriverOptions,
  MemoryDriver,
  S3Driver,
  type S3DriverOptions,
  type S3Settings,
} from "./drivers/index.js";
