import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli("portcullis-db-");

const db = (...args: string[]) =>
  main(["node", "portcullis", "db", ...args, "--db", join(io.dir, "a.db"), "-q"]);

function record(id: string, ecosystem: string, name: string): object {
  return {
    id,
    modified: "2024-01-01T00:00:00Z",
    affected: [{ package: { ecosystem, name }, versions: ["1.0.0"] }],
  };
}

function archive(path: string, records: object[]): string {
  mkdirSync(join(path, ".."), { recursive: true });
  const entries = Object.fromEntries(
    records.map((r) => [`${(r as { id: string }).id}.json`, new TextEncoder().encode(JSON.stringify(r))]),
  );
  writeFileSync(path, zipSync(entries));
  return path;
}

describe("portcullis db (issue 22, item 12)", () => {
  it("status lists each source with its archive and sha256, as a table and as JSON", async () => {
    const zip = archive(join(io.dir, "feeds", "Debian.zip"), [
      record("DEBIAN-CVE-2099-0001", "Debian:12", "openssl"),
    ]);
    expect(await db("import", zip)).toBe(0);
    const sha256 = createHash("sha256").update(readFileSync(zip)).digest("hex");
    io.reset();
    expect(await db("status")).toBe(0);
    expect(io.out).toMatch(/Debian:12\s+1/);
    expect(io.out).toMatch(/ARCHIVE\s+ECOSYSTEM\s+RECORDS\s+IMPORTED\s+SHA256/);
    expect(io.out).toContain(zip);
    expect(io.out).toContain(sha256);
    io.reset();
    expect(await db("status", "-o", "json")).toBe(0);
    const status = JSON.parse(io.out) as { ecosystems: { ecosystem: string }[]; sources: object[] };
    expect(status.ecosystems.map((e) => e.ecosystem)).toEqual(["Debian:12"]);
    expect(status.sources).toEqual([
      expect.objectContaining({ archive: zip, sha256, ecosystem: "Debian", records: 1 }),
    ]);
  });

  it("import --ecosystem declares an archive's ecosystem whatever its name, and refuses other ecosystems' records", async () => {
    const zip = archive(join(io.dir, "mirror-2024.zip"), [
      record("DEBIAN-CVE-2099-0001", "Debian:12", "openssl"),
    ]);
    expect(await db("import", "--ecosystem", "npm", zip)).toBe(1);
    expect(io.err).toContain("declared as npm");
    io.reset();
    expect(await db("import", "--ecosystem", "Debian", zip)).toBe(0);
    expect(io.out).toMatch(/Debian:12\s+1/);
  });

  it("import --max-archive-bytes bounds what an archive may inflate to", async () => {
    const zip = archive(join(io.dir, "Debian.zip"), [record("DEBIAN-CVE-2099-0001", "Debian:12", "openssl")]);
    expect(await db("import", "--max-archive-bytes", "100", zip)).toBe(1);
    expect(io.err).toContain("over the budget of 100");
    expect(await db("import", "--max-archive-bytes", "lots", zip)).toBe(2);
  });

  it("prints an ecosystem named constructor as its name (item 14)", async () => {
    const file = join(io.dir, "odd.json");
    writeFileSync(file, JSON.stringify(record("ODD-1", "constructor", "x")));
    expect(await db("import", file)).toBe(0);
    expect(io.out).toMatch(/constructor\s+1\n/);
    expect(io.out).not.toContain("native code");
  });
});
