export {
  type Database,
  type DialectName,
  type OpenDatabaseOptions,
  openDatabase,
  redactUrl,
} from "./database.js";
export type { Schema } from "./schema.js";
