import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { inlineScriptCsp } from "../../src/server/console/routes.js";
import { CONSOLE_CSP } from "../../src/server/headers.js";
import { unavailable } from "../support/requirements.js";
import { REPO_ROOT } from "../support/targets.js";

/**
 * The console's bundle budget (issue 14): the JavaScript a browser loads before the first page
 * renders, the entry and the modules it preloads, is at most 250 kB gzipped; each page is a chunk of
 * its own, loaded when first visited, but for the Repositories page, where most visits land, which is
 * in the main chunk (no second download, no Suspense on the first render). A small early start script
 * (web/src/early-start.ts), inlined into index.html, runs before the main chunk. Reads `npm run
 * build`'s output (dist/web/).
 */
const WEB = join(REPO_ROOT, "dist", "web");
const BUDGET_GZIP_BYTES = 250 * 1000;

describe.skipIf(unavailable("the built console (npm run build)", existsSync(join(WEB, "index.html"))))(
  "the console's build",
  () => {
    const html = readFileSync(join(WEB, "index.html"), "utf8");
    const initial = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/assets\/([^"]+\.js)"/g)].map(
      (m) => m[1]!,
    );

    it(`loads at most ${BUDGET_GZIP_BYTES / 1000} kB of gzipped JavaScript before the first page`, () => {
      expect(initial.length).toBeGreaterThan(0);
      const sizes = initial.map(
        (name) => gzipSync(readFileSync(join(WEB, "assets", name)), { level: 9 }).length,
      );
      const total = sizes.reduce((a, b) => a + b, 0);
      expect(total, `initial JavaScript ${initial.join(", ")}: ${total} bytes gzipped`).toBeLessThanOrEqual(
        BUDGET_GZIP_BYTES,
      );
    });

    it("splits the pages into chunks of their own, with hashed names", () => {
      const chunks = readdirSync(join(WEB, "assets")).filter((f) => f.endsWith(".js"));
      for (const page of ["repository", "image", "decisions", "policies", "advisories", "login"]) {
        const chunk = chunks.find((f) => new RegExp(`^${page}-[A-Za-z0-9_-]{8}\\.js$`).test(f));
        expect(chunk, `a chunk for the ${page} page`).toBeDefined();
        expect(initial).not.toContain(chunk);
      }
    });

    it("starts the first requests from one small inline script, before the main chunk", () => {
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      const inline = scripts.filter((m) => !/\ssrc=/.test(m[1]!));
      expect(inline, "one inline script").toHaveLength(1);
      // A classic script, first: it runs while the HTML is parsed, before any file is fetched.
      expect(scripts[0]).toBe(inline[0]);
      expect(inline[0]![1]).toBe("");
      const code = inline[0]![2]!;
      // No import: a download before the requests could start would defeat its purpose.
      expect(code).not.toMatch(/\bimport\b/);
      expect(code).toContain("__portcullisEarly");
      expect(code).toContain("/api/v1/me");
      expect(gzipSync(code).length).toBeLessThan(4_000);
    });

    it("has no inline style or handler, and its one inline script is allowed by hash, not unsafe-inline", () => {
      expect(html).not.toMatch(/<style[\s>]/);
      expect(html).not.toMatch(/\sstyle="/);
      expect(html).not.toMatch(/\son[a-z]+="/);
      const csp = inlineScriptCsp(html);
      expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]{43}=';/);
      expect(csp).not.toContain("unsafe-inline");
      expect(csp.replace(/ 'sha256-[^']+'/, "")).toBe(CONSOLE_CSP);
    });
  },
);
