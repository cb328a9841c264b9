import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as face from "./index.js";
import { schemeById, versionSchemes } from "./list.js";
import type { VersionScheme } from "./scheme.js";

/** renovate's versioning meta-test: every folder is a listed scheme named after its folder. */
const here = fileURLToPath(new URL(".", import.meta.url));
const folders = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== "testdata")
  .map((entry) => entry.name)
  .sort();

describe("versioning list", () => {
  it("lists exactly the scheme folders, in folder order", () => {
    expect(folders.length).toBeGreaterThanOrEqual(10);
    expect(versionSchemes.map((s) => s.id)).toEqual(folders);
  });

  it.each(folders)("%s exports its scheme from index.ts, with id = folder name", async (folder) => {
    const module = (await import(
      /* @vite-ignore */ pathToFileURL(join(here, folder, "index.ts")).href
    )) as Record<string, unknown>;
    const scheme = module[folder] as VersionScheme | undefined;
    expect(scheme?.id).toBe(folder);
    expect(typeof scheme?.compare).toBe("function");
    expect(typeof scheme?.isValid).toBe("function");
    expect(schemeById(folder)).toBe(scheme);
    expect((face as Record<string, unknown>)[folder]).toBe(scheme);
  });

  it.each(folders)("%s has a test file and a readme citing its reference", (folder) => {
    expect(existsSync(join(here, folder, `${folder}.test.ts`))).toBe(true);
    const readme = readFileSync(join(here, folder, "readme.md"), "utf8");
    expect(readme).toMatch(/https:\/\//);
  });

  it("answers undefined for an unknown id", () => {
    expect(schemeById("calver")).toBeUndefined();
    expect(schemeById("")).toBeUndefined();
  });
});
