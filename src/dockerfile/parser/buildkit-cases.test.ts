import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dumpInstruction } from "./dump.js";
import { DockerfileError } from "./errors.js";
import { parseDockerfile } from "./parse.js";

const root = fileURLToPath(new URL("../testdata/buildkit/", import.meta.url));
const positiveDir = join(root, "buildkit-parser-testfiles");
const negativeDir = join(root, "buildkit-parser-testfiles-negative");

/** BuildKit refuses these in Parse ("file with no instructions"); Portcullis returns an empty tree. */
const EMPTY_ON_PURPOSE = new Set(["empty_dockerfile", "only_comments"]);

describe("BuildKit parser testfiles", () => {
  for (const name of readdirSync(positiveDir).sort()) {
    it(name, () => {
      const text = readFileSync(join(positiveDir, name, "Dockerfile"), "utf8");
      const expected = readFileSync(join(positiveDir, name, "result"), "utf8");
      const df = parseDockerfile(text);
      const got = df.instructions.map((i) => `(${dumpInstruction(i, df.escape)})\n`).join("");
      expect(got).toBe(expected);
    });
  }
});

describe("BuildKit negative testfiles", () => {
  for (const name of readdirSync(negativeDir).sort()) {
    const text = readFileSync(join(negativeDir, name, "Dockerfile"), "utf8");
    if (EMPTY_ON_PURPOSE.has(name)) {
      it(`${name}: parses to zero instructions (BuildKit errors; the linter reports it)`, () => {
        expect(parseDockerfile(text).instructions).toHaveLength(0);
      });
    } else {
      it(`${name}: is refused`, () => {
        expect(() => parseDockerfile(text)).toThrow(DockerfileError);
      });
    }
  }
});
