import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejectionOf } from "../../../../test/support/errors.js";
import { openAdvisoryDatabase } from "../../db/database.js";
import { VulnError } from "../../errors.js";
import { osvTestdata, tempDatabasePath } from "../../testing.js";
import { updateOsv } from "./download.js";

describe("updateOsv", () => {
  let server: Server;
  let base: string;
  const archive = zipSync({ "GO-2021-0067.json": readFileSync(join(osvTestdata, "GO-2021-0067.json")) });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/Go/all.zip" || req.url === "/npm/all.zip") {
        // npm's archive carrying Go's record: the download declares npm, so it must be refused.
        res.writeHead(200, { "last-modified": "Wed, 21 Oct 2026 07:28:00 GMT" });
        res.end(archive);
      } else if (req.url === "/Slow/all.zip") {
        res.writeHead(200);
        res.write(archive.subarray(0, 10)); // then nothing: the idle timeout must fire
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("lets each downloaded archive write only the ecosystem it was downloaded as (issue 22, item 12)", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const err = await rejectionOf(VulnError, updateOsv(db, { ecosystems: ["Go", "npm"], baseUrl: base }));
    expect(err.code).toBe("ADVISORY_FOREIGN");
    expect(err.message).toContain("declared as npm");
    expect(db.status()).toEqual([]);
    db.close();
  });

  it("downloads all.zip per ecosystem and records its URL and Last-Modified", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const summary = await updateOsv(db, { ecosystems: ["Go"], baseUrl: base });
    expect(summary.ecosystems).toEqual({ Go: 1 });
    const [go] = db.status();
    expect(go?.lastImport?.source).toBe(`${base}/Go/all.zip`);
    expect(go?.lastImport?.archiveModified?.toISOString()).toBe("2026-10-21T07:28:00.000Z");
    db.close();
  });

  it("fails with IMPORT_FAILED on an HTTP error", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const err = await rejectionOf(VulnError, updateOsv(db, { ecosystems: ["Nope"], baseUrl: base }));
    expect(err.code).toBe("IMPORT_FAILED");
    expect(err.message).toContain("HTTP 404");
    db.close();
  });

  it("fails with NETWORK_UNAVAILABLE when the server goes quiet", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const err = await rejectionOf(
      VulnError,
      updateOsv(db, { ecosystems: ["Slow"], baseUrl: base, idleTimeoutMs: 200 }),
    );
    expect(err.code).toBe("NETWORK_UNAVAILABLE");
    expect(err.message).toContain("no answer within 200 ms");
    db.close();
  });

  it("says the network is unreachable and how to import offline (the real OSV bucket, no route here)", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const started = Date.now();
    const err = await rejectionOf(VulnError, updateOsv(db, { ecosystems: ["Go"], idleTimeoutMs: 2_000 }));
    expect(err.code).toBe("NETWORK_UNAVAILABLE");
    expect(err.message).toContain("the network is unreachable");
    expect(err.message).toContain("https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip");
    expect(err.message).toContain("portcullis db import");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(db.status()).toEqual([]);
    db.close();
  });
});
