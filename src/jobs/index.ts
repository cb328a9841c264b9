export { InProcessQueue } from "./in-process.js";
export type { JobHandler, JobQueue } from "./queue.js";
