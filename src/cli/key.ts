import type { Command } from "commander";
import { type ApiFlags, connect, outputOf, printJson, withApiFlags } from "./account-options.js";
import { printTable } from "./output.js";

/**
 * `portcullis key rotate`: the registry token service's signing key, over the management API
 * (system.config), so an administrator rotates it from anywhere they are logged in, on every replica
 * at once (the keys live in the shared database). Not `admin`: those commands open the database locally.
 */
export function registerKey(program: Command, setExit: (code: number) => void): void {
  const key = program
    .command("key")
    .description("the signing key of the registry token service (its public keys: GET /token/jwks)");

  withApiFlags(
    key
      .command("rotate")
      .description(
        "sign registry tokens with a new key from now on; tokens signed by the old one verify until they expire (system.config)",
      ),
  ).action(async (flags: ApiFlags) => {
    const format = outputOf(flags);
    const { client, server } = connect(flags);
    const rotated = await client.rotateSigningKey();
    if (format === "json") printJson(rotated);
    else {
      printTable(["server", "new signing key (kid)"], [[server, rotated.kid]]);
      process.stdout.write(
        "Tokens signed by the previous key keep verifying until they expire; replicas sign with the new key within 30 s.\n",
      );
    }
    setExit(0);
  });
}
