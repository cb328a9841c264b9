import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventRecord } from "../audit/index.js";
import type { Database } from "../storage/index.js";
import { auditCli, pullEvent, withDataDatabase } from "./testing/audit.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli("portcullis-cli-record-");

const event = pullEvent;

const withDatabase = (run: (db: Database) => Promise<void>) => withDataDatabase(io.dir, run);
const cli = auditCli(io);

describe("portcullis audit checkpoint --out and audit verify --checkpoint", () => {
  it("saves a signed checkpoint, proves later appends extend it, and fails once entries are removed", async () => {
    await withDatabase(async (database) => {
      await new EventRecord(database).append([event(0), event(1), event(2), event(3), event(4)]);
    });
    const file = join(io.dir, "record.checkpoint");
    expect(await cli("checkpoint", "--out", file)).toBe(0);
    const note = await readFile(file, "utf8");
    expect(note).toMatch(/^portcullis\/record\n5\n[A-Za-z0-9+/=]{44}\n\n— portcullis\/record /);
    expect(await cli("checkpoint", "--record")).toBe(0);
    expect(io.out).toBe(note);

    await withDatabase(async (database) => {
      await new EventRecord(database).append([event(5), event(6)]);
    });
    expect(await cli("verify", "--checkpoint", file)).toBe(0);
    expect(io.out).toContain(
      "record verified: 7 entries hash into the current root; it extends the saved checkpoint of 5 entries",
    );

    // The key a user pinned: a checkpoint signed by another key is refused.
    expect(
      await cli(
        "verify",
        "--checkpoint",
        file,
        "--key",
        "other+01234567+AfBkRDbKf0XB0j9IYbh2/l6Ba3pgjZSvDZzRRK0gG5pz",
      ),
    ).not.toBe(0);

    await withDatabase(async (database) => {
      await database.db.deleteFrom("record_entries").where("idx", ">=", 3).execute();
    });
    expect(await cli("verify", "--checkpoint", file)).toBe(1);
    expect(io.out).toContain(
      "RECORD NOT VERIFIED: the record holds 3 entries, fewer than the 5 of the saved checkpoint",
    );
  });

  it("fails with exit 1 naming the entry when a stored entry is edited", async () => {
    await withDatabase(async (database) => {
      await new EventRecord(database).append([event(0), event(1), event(2)]);
      await database.db
        .updateTable("record_entries")
        .set({ summary: "nothing happened" })
        .where("idx", "=", 1)
        .execute();
    });
    expect(await cli("verify")).toBe(1);
    expect(io.out).toMatch(/RECORD NOT VERIFIED: entry 1: its summary column/);
  });

  it("refuses a checkpoint file that is not a signed note with exit 2", async () => {
    const file = join(io.dir, "bad.checkpoint");
    await import("node:fs/promises").then((fs) => fs.writeFile(file, "not a note"));
    expect(await cli("verify", "--checkpoint", file)).toBe(2);
    expect(io.err).toContain(`cannot read checkpoint ${file}`);
  });
});
