export { DockerfileError } from "./errors.js";
export { parseDockerfile } from "./parse.js";
