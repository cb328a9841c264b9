/**
 * The storage domain's second public face, for tests only: what other domains' tests need to run on real
 * databases. Files named testing.ts (and folders named testing/) are never built into dist/, so nothing
 * here reaches an install, and only *.test.ts files may import it (src/architecture.test.ts).
 */
export { type DatabaseTestTarget, databaseTestTargets, dropTestSchema } from "./db/testing.js";
