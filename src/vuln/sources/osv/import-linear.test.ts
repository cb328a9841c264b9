import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openAdvisoryDatabase } from "../../db/database.js";
import { tempDatabasePath, writeOsvArchive } from "../../testing.js";
import { importOsv } from "./import.js";

/**
 * Issue 22, "Done when": the OSV reader is linear in its input. For each generated record shape,
 * archives of n and 8n records are imported; the time per KiB of JSON read must not grow with the
 * size (a quadratic step would make it eight times worse; the bound allows three, for a loaded
 * two-core machine). Each time is the better of two runs, so a garbage collection or a
 * neighbour's burst does not decide it.
 */

interface Shape {
  packages: number;
  versions: number;
  aliases: number;
  details: number;
}

const shapes = fc.record({
  packages: fc.integer({ min: 1, max: 4 }),
  versions: fc.integer({ min: 0, max: 40 }),
  aliases: fc.integer({ min: 0, max: 6 }),
  details: fc.integer({ min: 0, max: 2_000 }),
});

function records(shape: Shape, n: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < n; i++) {
    const id = `GO-2024-${String(i).padStart(5, "0")}`;
    const record = {
      id,
      modified: "2024-01-01T00:00:00Z",
      aliases: Array.from({ length: shape.aliases }, (_, k) => `CVE-2024-${i * 10 + k}`),
      details: "d".repeat(shape.details),
      affected: Array.from({ length: shape.packages }, (_, p) => ({
        package: { ecosystem: "Go", name: `example.com/m${i}/p${p}` },
        ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: `1.${p}.0` }] }],
        versions: Array.from({ length: shape.versions }, (_, v) => `0.${v}.0`),
      })),
    };
    files[`${id}.json`] = new TextEncoder().encode(JSON.stringify(record));
  }
  return files;
}

async function msPerKiB(shape: Shape, n: number): Promise<number> {
  const files = records(shape, n);
  const kib = Object.values(files).reduce((sum, f) => sum + f.length, 0) / 1024;
  const path = writeOsvArchive("Go/all.zip", files);
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 2; run++) {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const started = performance.now();
    const summary = await importOsv(db, path);
    const elapsed = performance.now() - started;
    db.close();
    expect(summary.inserted).toBe(n);
    expect(elapsed).toBeLessThan(20_000);
    best = Math.min(best, elapsed);
  }
  return best / kib;
}

describe("importOsv is linear in its input", () => {
  it("keeps the time per KiB from n to 8n records", async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async (shape) => {
        const small = await msPerKiB(shape, 150);
        const large = await msPerKiB(shape, 1_200);
        expect(large).toBeLessThan(3 * small + 0.05);
      }),
      { seed: 20_261_207, numRuns: 4 },
    );
  }, 120_000);
});
