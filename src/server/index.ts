export { toWireError, type WireError } from "./errors.js";
export { ServerMetrics } from "./metrics.js";
export { buildServer } from "./server.js";
