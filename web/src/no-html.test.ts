import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The console never turns a string into markup: React's text rendering is the only way out. */
describe("the console's sources", () => {
  it("write no HTML: no dangerouslySetInnerHTML, innerHTML, insertAdjacentHTML or document.write", () => {
    const root = fileURLToPath(new URL(".", import.meta.url));
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
      );
    const sources = files(root).filter((f) => /\.tsx?$/.test(f) && !f.includes(".test."));
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      expect(readFileSync(file, "utf8"), file).not.toMatch(
        /dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/,
      );
    }
  });
});
