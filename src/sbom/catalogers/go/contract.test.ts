import { describe, expect, it } from "vitest";
import type { Cataloger } from "../cataloger.js";
import { javaCataloger } from "../java/cataloger.js";
import { rustCataloger } from "../rust/cataloger.js";
import { goBinaryCataloger } from "./cataloger.js";
import { fileInfo, MemoryResolver } from "./testing-resolver.js";

// The Cataloger contract for the three binary and archive catalogers: catalog never throws, even
// when the bytes it is handed did not come from its own reduce (a walker bug, a future cache).
describe.each([
  ["go-binary", goBinaryCataloger, "/usr/bin/app"],
  ["rust", rustCataloger, "/usr/bin/app"],
  ["java", javaCataloger, "/opt/app.jar"],
] as [string, Cataloger, string][])("%s catalog", (name, cataloger, path) => {
  it.each(["null", "42", "not json", '{"archives":7}', ""])(
    "warns instead of throwing on kept bytes %j",
    async (kept) => {
      const resolver = new MemoryResolver();
      resolver.add(fileInfo({ path, bytes: Buffer.from("x") }), Buffer.from(kept));
      const warnings: string[] = [];
      const packages = await cataloger.catalog(resolver, { warn: (m) => warnings.push(m) });
      expect(packages).toEqual([]);
      if (kept !== "") expect(warnings).toEqual([expect.stringContaining(`${name}: ${path}:`)]);
    },
  );
});
