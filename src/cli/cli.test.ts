import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";

let out = "";
let err = "";
let dataDir = "";

beforeEach(async () => {
  out = "";
  err = "";
  dataDir = await mkdtemp(join(tmpdir(), "portcullis-cli-"));
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dataDir, { recursive: true, force: true });
});

describe("portcullis CLI", () => {
  it("lists its commands in --help", async () => {
    expect(await main(["node", "portcullis", "--help"])).toBe(0);
    expect(out).toMatch(/serve \[options\]/);
    expect(out).toMatch(/gc \[options\]/);
  });

  it("refuses to serve beyond loopback while access is anonymous, and says why", async () => {
    const code = await main(["node", "portcullis", "serve", "--listen", "0.0.0.0:0", "--data", dataDir]);
    expect(code).toBe(2);
    expect(err).toMatch(/refusing to listen on 0\.0\.0\.0/);
    expect(err).toMatch(/--insecure-public/);
  });

  it("reports a bad configuration value by key with exit code 2", async () => {
    process.env.PORTCULLIS_REGISTRY_GC_GRACE_PERIOD = "whenever";
    try {
      expect(await main(["node", "portcullis", "gc", "--data", dataDir])).toBe(2);
    } finally {
      delete process.env.PORTCULLIS_REGISTRY_GC_GRACE_PERIOD;
    }
    expect(err).toContain("PORTCULLIS_REGISTRY_GC_GRACE_PERIOD (registry.gc.gracePeriod)");
  });

  it("runs gc on an empty registry as a table and as JSON", async () => {
    expect(await main(["node", "portcullis", "gc", "--data", dataDir, "--dry-run"])).toBe(0);
    expect(out).toMatch(/blobs\s+0/);
    expect(out).toContain("would delete");
    out = "";
    expect(await main(["node", "portcullis", "gc", "--data", dataDir, "-o", "json"])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ dryRun: false, blobsDeleted: 0, uploadsExpired: 0 });
  });
});
