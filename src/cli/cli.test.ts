import { describe, expect, it } from "vitest";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli("portcullis-cli-");

describe("portcullis CLI", () => {
  it("lists its commands in --help", async () => {
    expect(await main(["node", "portcullis", "--help"])).toBe(0);
    expect(io.out).toMatch(/serve \[options\]/);
    expect(io.out).toMatch(/gc \[options\]/);
  });

  it("refuses to serve beyond loopback while access is anonymous, and says why", async () => {
    const code = await main(["node", "portcullis", "serve", "--listen", "0.0.0.0:0", "--data", io.dir]);
    expect(code).toBe(2);
    expect(io.err).toMatch(/refusing to listen on 0\.0\.0\.0/);
    expect(io.err).toMatch(/--insecure-public/);
  });

  it("reports a bad configuration value by key with exit code 2", async () => {
    process.env.PORTCULLIS_REGISTRY_GC_GRACE_PERIOD = "whenever";
    try {
      expect(await main(["node", "portcullis", "gc", "--data", io.dir])).toBe(2);
    } finally {
      delete process.env.PORTCULLIS_REGISTRY_GC_GRACE_PERIOD;
    }
    expect(io.err).toContain("PORTCULLIS_REGISTRY_GC_GRACE_PERIOD (registry.gc.gracePeriod)");
  });

  it("runs gc on an empty registry as a table and as JSON", async () => {
    expect(await main(["node", "portcullis", "gc", "--data", io.dir, "--dry-run"])).toBe(0);
    expect(io.out).toMatch(/blobs\s+0/);
    expect(io.out).toContain("would delete");
    io.reset();
    expect(await main(["node", "portcullis", "gc", "--data", io.dir, "-o", "json"])).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ dryRun: false, blobsDeleted: 0, uploadsExpired: 0 });
  });

  it("exits 2 for image flags that do not go together, as for every usage error (issue 12)", async () => {
    expect(await main(["node", "portcullis", "sbom", `dir:${io.dir}`, "-q", "--password", "p"])).toBe(2);
    expect(io.err).toBe("portcullis: --password needs --username\n");
    io.reset();
    expect(await main(["node", "portcullis", "sbom", `dir:${io.dir}`, "-q", "--platform", "linux"])).toBe(2);
    expect(io.err).toMatch(/^portcullis: --platform must be OS\/ARCH/);
  });

  it("exits 2 for login --sso with a name or a password: the browser signs in", async () => {
    const args = ["node", "portcullis", "login", "--sso", "https://registry.example.com", "-u", "alice"];
    expect(await main(args)).toBe(2);
    expect(io.err).toBe("portcullis: --sso takes no -u or --password-stdin: the browser signs you in\n");
  });
});
