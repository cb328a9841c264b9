import { describe, expect, it } from "vitest";
import type { Cataloger } from "../cataloger.js";
import { javaCataloger } from "../java/cataloger.js";
import { rustCataloger } from "../rust/cataloger.js";
import { exe, runCataloger } from "../testing.js";
import { goBinaryCataloger } from "./cataloger.js";

// The Cataloger contract for the three binary and archive catalogers: catalog never throws, even
// when the bytes it is handed did not come from its own reduce (a walker bug, a future cache).
// The cataloger runs through the real walker with its reduce swapped for one returning those bytes.
describe.each([
  ["go-binary", goBinaryCataloger, "/usr/bin/app"],
  ["rust", rustCataloger, "/usr/bin/app"],
  ["java", javaCataloger, "/opt/app.jar"],
] as [string, Cataloger, string][])("%s catalog", (name, cataloger, path) => {
  it.each(["null", "42", "not json", '{"archives":7}', ""])(
    "warns instead of throwing on kept bytes %j",
    async (kept) => {
      const foreign: Cataloger = { ...cataloger, reduce: () => Buffer.from(kept) };
      // Large enough, and executable, for the Go and Rust catalogers to want it.
      const run = await runCataloger(foreign, { [path]: exe("x".repeat(128)) });
      expect(run.kept.get(path)).toBe(kept.length);
      expect(run.packages).toEqual([]);
      if (kept !== "") expect(run.warnings).toEqual([expect.stringContaining(`${name}: ${path}:`)]);
    },
  );
});
