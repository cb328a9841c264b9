import { UsageError } from "./usage-error.js";

/**
 * Reads a password: PORTCULLIS_PASSWORD when set (CI; an empty value is an empty password, as
 * COSIGN_PASSWORD), else from the terminal without echo. Never logged, never in an error message.
 */
export async function readSecret(prompt: string): Promise<string> {
  const fromEnv = process.env.PORTCULLIS_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new UsageError("a password is needed: set PORTCULLIS_PASSWORD or run on a terminal");
  }
  return promptHidden(prompt);
}

/** Asks twice (keygen), refusing a mismatch. */
export async function readNewSecret(): Promise<string> {
  const fromEnv = process.env.PORTCULLIS_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  const first = await readSecret("Enter password for private key: ");
  const second = await promptHidden("Enter password for private key again: ");
  if (first !== second) throw new UsageError("the passwords do not match");
  return first;
}

/** Raw-mode terminal read: characters are not echoed; backspace edits; Ctrl-C and Ctrl-D abort. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003" || ch === "\u0004") return finish(new UsageError("no password given"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}
