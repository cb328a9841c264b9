import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../main.js";
import { captureCli } from "../testing/capture.js";

const io = captureCli("portcullis-keygen-");

describe("keygen --output-prefix", () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.PORTCULLIS_PASSWORD;
    process.env.PORTCULLIS_PASSWORD = "test";
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PORTCULLIS_PASSWORD;
    else process.env.PORTCULLIS_PASSWORD = saved;
  });

  // The README's `keygen --output-prefix my-policies/keys/release` names a folder nobody made yet.
  it("creates the folder the prefix names", async () => {
    const prefix = join(io.dir, "my-policies", "keys", "release");
    const code = await main(["node", "portcullis", "keygen", "--output-prefix", prefix]);
    expect(io.err).toContain("Public key written to");
    expect(code).toBe(0);
    expect(existsSync(`${prefix}.key`)).toBe(true);
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    expect(existsSync(`${prefix}.pub`)).toBe(true);
  });
});
