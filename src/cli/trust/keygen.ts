import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Command, Option } from "commander";
import { GENERATED_KEY_ALGORITHMS, type GeneratedKeyAlgorithm, generateKeyPair } from "../../trust/index.js";
import { runWith, UsageError, usageExitCodes } from "./common.js";
import { readNewSecret } from "./password.js";

interface KeygenFlags {
  algorithm: GeneratedKeyAlgorithm;
  outputPrefix: string;
}

function writeNew(path: string, text: string, mode: number): void {
  try {
    writeFileSync(path, text, { flag: "wx", mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    throw new UsageError(
      `refusing to write ${path}: it already exists (keygen never overwrites a key: choose another --output-prefix, or move the old key away)`,
    );
  }
}

/**
 * `portcullis keygen`: cosign generate-key-pair. NAME.key holds the private key encrypted in
 * cosign's format (scrypt + NaCl secretbox), NAME.pub the SubjectPublicKeyInfo PEM. Existing
 * files are never overwritten: losing a signing key to a typo is not recoverable.
 */
export function registerKeygen(program: Command, setExit: (code: number) => void): void {
  usageExitCodes(
    program
      .command("keygen")
      .description("generate a signing key pair (NAME.key encrypted in cosign's format, NAME.pub)")
      .addOption(
        new Option("--algorithm <name>", "key algorithm")
          .choices([...GENERATED_KEY_ALGORITHMS])
          .default("ecdsa-p256"),
      )
      .option("--output-prefix <name>", "file name prefix for NAME.key and NAME.pub", "cosign")
      .addHelpText("after", "\nThe password comes from PORTCULLIS_PASSWORD, or is asked on the terminal."),
  ).action((flags: KeygenFlags) =>
    runWith(setExit, async () => {
      const keyPath = `${flags.outputPrefix}.key`;
      const pubPath = `${flags.outputPrefix}.pub`;
      const pair = await generateKeyPair(await readNewSecret(), { algorithm: flags.algorithm });
      // A prefix such as keys/release names where the keys belong: make that folder, as a user would.
      mkdirSync(dirname(keyPath), { recursive: true });
      // `wx` fails if the file exists, atomically: no check-then-write race. Other failures (a
      // missing folder, no permission) reach main's mapper, which names the file and the fix.
      writeNew(keyPath, pair.privateKeyPem, 0o600);
      writeNew(pubPath, pair.publicKeyPem, 0o644);
      process.stderr.write(`Private key written to ${keyPath}\nPublic key written to ${pubPath}\n`);
      return 0;
    }),
  );
}
