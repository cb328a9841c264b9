import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readServerTrustedRoot } from "./trusted-root.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-root-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = fileURLToPath(new URL("images/testdata/trusted_root_pgi.json", import.meta.url));

describe("readServerTrustedRoot (config trust.trustedRoot)", () => {
  it("reads nothing when unset", () => {
    expect(readServerTrustedRoot(undefined)).toBeUndefined();
  });

  it("loads a Sigstore trusted root", () => {
    const root = readServerTrustedRoot(fixture);
    expect(root?.certificateAuthorities.length).toBeGreaterThan(0);
  });

  it.each([
    ["a missing file", () => join(dir, "missing.json"), /cannot read .*missing\.json: ENOENT/],
    [
      "a directory",
      () => {
        const d = join(dir, "a-dir");
        mkdirSync(d);
        return d;
      },
      /cannot read .*a-dir/,
    ],
    [
      "a file that is not a trusted root",
      () => {
        const f = join(dir, "bad.json");
        writeFileSync(f, '{"mediaType": "nope"}');
        return f;
      },
      /bad\.json is not a Sigstore trusted root/,
    ],
    [
      "a file over the size cap",
      () => {
        const f = join(dir, "big.json");
        writeFileSync(f, Buffer.alloc(1024 * 1024 + 1, 0x20));
        return f;
      },
      /cannot read .*big\.json/,
    ],
  ])("stops startup with a clear message for %s", (_name, path, message) => {
    expect(() => readServerTrustedRoot(path())).toThrow(message);
  });
});
