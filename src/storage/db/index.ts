export {
  type Database,
  type DedicatedConnection,
  type DialectName,
  type OpenDatabaseOptions,
  openDatabase,
  redactUrl,
} from "./database.js";
export {
  type InvalidationBus,
  type InvalidationListener,
  LocalInvalidationBus,
  openInvalidationBus,
  PostgresInvalidationBus,
} from "./invalidation.js";
export type { Schema } from "./schema.js";
