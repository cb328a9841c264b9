import { join } from "node:path";
import type { RecordEventInput } from "../../audit/index.js";
import type { Database } from "../../storage/index.js";
import { withDatabaseAt } from "../../storage/testing.js";
import { main } from "../main.js";
import type { CliCapture } from "./capture.js";

/**
 * Runs `work` on the data folder's own database (`portcullis.db` in `dir`), closed after: the audit
 * command tests write and edit rows there as someone with database access would.
 */
export function withDataDatabase<T>(dir: string, work: (database: Database) => Promise<T>): Promise<T> {
  return withDatabaseAt(join(dir, "portcullis.db"), work);
}

/** `portcullis audit <args> --data <io.dir>` in process, its output captured afresh; the exit code. */
export function auditCli(io: CliCapture): (...args: string[]) => Promise<number> {
  return (...args) => {
    io.reset();
    return main(["node", "portcullis", "audit", ...args, "--data", io.dir]);
  };
}

/** The i-th pull of team/app by ci, for the record; `at` when the test needs the time (else now). */
export function pullEvent(i: number, at?: number): RecordEventInput {
  return {
    kind: "image.pulled",
    ...(at === undefined ? {} : { at }),
    actor: "ci",
    repository: "team/app",
    summary: `ci pulled team/app:${i}`,
    payload: { i },
  };
}
