import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../main.js";
import { captureCli } from "../testing/capture.js";

/** Runs `portcullis scan ...` in process through main, which maps errors to messages and exit codes. */
function scan(...args: string[]): Promise<number> {
  return main(["node", "portcullis", "scan", ...args]);
}

const io = captureCli("portcullis-scan-cli-");

const EMPTY_BOM = JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", components: [] });

describe("portcullis scan --sbom, --vex: files that are not files (issue 22)", () => {
  it("/dev/zero as SBOM or VEX: exit 2 at once, naming it, nothing read", async () => {
    expect(await scan("--sbom", "/dev/zero", "--skip-db")).toBe(2);
    expect(io.err).toContain("/dev/zero is a character device, not a regular file");
    const bom = join(io.dir, "bom.json");
    await writeFile(bom, EMPTY_BOM);
    expect(await scan("--sbom", bom, "--skip-db", "--vex", "/dev/zero")).toBe(2);
    expect(io.err).toContain("/dev/zero is a character device, not a regular file");
  });

  it("a component nested past the depth limit: the scan is incomplete, exit 3", async () => {
    const open = '{"type":"application","name":"layer","components":[';
    const leaf = '{"type":"library","name":"openssl","purl":"pkg:deb/debian/openssl@1.1.1n-0+deb11u4"}';
    const bom = join(io.dir, "deep.json");
    await writeFile(
      bom,
      `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[${open.repeat(2000)}${leaf}${"]}".repeat(2000)}]}`,
    );
    expect(await scan("--sbom", bom, "--skip-db", "-q")).toBe(3);
    expect(io.err).toContain(
      "incomplete: 1 CycloneDX component(s) nested deeper than 1024 levels were not read",
    );
  });
});
