import { homedir } from "node:os";
import { join } from "node:path";

// Apart from credentials.ts (and its zod schema) so that `portcullis --help`, which names the file in
// login's description, reads the path without loading the rest.

/** PORTCULLIS_CONFIG_DIR, else $XDG_CONFIG_HOME/portcullis, else ~/.config/portcullis. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PORTCULLIS_CONFIG_DIR) return env.PORTCULLIS_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "portcullis");
}

export function credentialsPath(dir = configDir()): string {
  return join(dir, "credentials.json");
}
