/** app/timeline: the timeline of an image, pod or container over the one record (issue 15). */

export { recordTagResolver, registryTagResolver } from "./resolvers.js";
export { type RiskyPackage, riskyPackages } from "./risky.js";
export {
  buildTimeline,
  imageDigest,
  type MightHaveDone,
  type ScanNow,
  type Timeline,
  type TimelineRequest,
  type TimelineSources,
} from "./timeline.js";
