export { InProcessQueue } from "./in-process.js";
export { PostgresQueue, type PostgresQueueOptions } from "./postgres.js";
export type { JobHandler, JobQueue } from "./queue.js";
