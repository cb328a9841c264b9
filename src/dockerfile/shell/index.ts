export { parseShell } from "./parse.js";
export {
  basename,
  commandNames,
  effectiveCommand,
  flagValue,
  flagValues,
  hasFlag,
  isPipeToShell,
  subcommand,
} from "./queries.js";
export type { Pipeline, ShellScript, SimpleCommand } from "./types.js";
