import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP } from "../headers.js";
import { startTestServer, type TestServer } from "../testing.js";
import { inlineScriptCsp, isConsolePath } from "./routes.js";

const FIXTURE = join(fileURLToPath(new URL(".", import.meta.url)), "testdata");
const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
/** The fixture's index.html inlines this script, as the build inlines the early start script. */
const FIXTURE_INLINE = "globalThis.fixtureEarly=1";
const INDEX_CSP = CONSOLE_CSP.replace("script-src 'self'", `script-src 'self' ${sha256(FIXTURE_INLINE)}`);

describe("the page's CSP", () => {
  it("allows each inline script of the page by its hash, and nothing else inline", () => {
    const html = `<head><script>a()</script><script type="module" src="/assets/x.js"></script>
<script>
b()
</script></head>`;
    const csp = inlineScriptCsp(html);
    expect(csp).toBe(
      CONSOLE_CSP.replace("script-src 'self'", `script-src 'self' ${sha256("a()")} ${sha256("\nb()\n")}`),
    );
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain(sha256(""));
  });

  it("is the console's own CSP for a page with no inline script", () => {
    expect(inlineScriptCsp('<script type="module" crossorigin src="/assets/x.js"></script>')).toBe(
      CONSOLE_CSP,
    );
  });
});

describe("which paths are the console's", () => {
  it("every path but the APIs' own", () => {
    for (const path of [
      "/",
      "/repositories",
      "/repositories/team/app/manifests/sha256:ab",
      "/decisions",
      "/v2x",
    ]) {
      expect(isConsolePath(path), path).toBe(true);
    }
    for (const path of ["/v2", "/v2/", "/v2/a/tags/list", "/api/v1/x", "/token", "/auth/login", "/metrics"]) {
      expect(isConsolePath(path), path).toBe(false);
    }
    for (const path of ["/healthz", "/readyz", "/assets/x.js", "/v1/projects/p/notes", "/api"]) {
      expect(isConsolePath(path), path).toBe(false);
    }
  });
});

describe("the console, served", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite", consoleDir: FIXTURE });
  });
  afterAll(() => server.close());

  it("answers / and any page path with index.html, not cached, under the console's CSP and its inline script's hash", async () => {
    for (const path of [
      "/",
      "/repositories/team/app?q=x&page=2",
      "/repositories/a/b/manifests/sha256:00",
      "/no/such",
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control"), path).toBe("no-cache");
      expect(res.headers.get("content-security-policy"), path).toBe(INDEX_CSP);
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      const html = await res.text();
      expect(html, path).toContain('<div id="root">');
      expect(html, path).toContain(`<script>${FIXTURE_INLINE}</script>`);
    }
    // The CSP allows no inline script (but index.html's own, by hash) and no other origin.
    expect(CONSOLE_CSP).toContain("script-src 'self';");
    expect(CONSOLE_CSP).not.toContain("unsafe-inline");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
  });

  it("serves hashed assets for a year, immutable, gzipped when asked", async () => {
    const plain = await fetch(`${server.url}/assets/index-Test1234.js`, {
      headers: { "accept-encoding": "identity" },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(plain.headers.get("content-encoding")).toBeNull();
    // Only the page may run its inline script: an asset's CSP has no hash.
    expect(plain.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    const text = await plain.text();
    expect(text).toContain("hello from the console test fixture");
    const zipped = await fetch(`${server.url}/assets/index-Test1234.js`, {
      headers: { "accept-encoding": "gzip" },
    });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(Number(zipped.headers.get("content-length"))).toBeLessThan(Buffer.byteLength(text));
    expect(await zipped.text()).toBe(text);
    const icon = await fetch(`${server.url}/favicon.svg`);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
  });

  it("never answers an API path with the page: a miss there is the API's JSON 404", async () => {
    for (const path of [
      "/api/v1/nothing",
      "/v2/nothing/here",
      "/token",
      "/auth/login",
      "/assets/missing.js",
      "/assets/..%2Findex.html",
      "/v1/x",
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toContain("application/json");
      expect(res.headers.get("content-security-policy"), path).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
    }
    expect((await fetch(`${server.url}/healthz`)).headers.get("content-type")).toContain("application/json");
    expect((await fetch(`${server.url}/metrics`)).headers.get("content-type")).toContain("text/plain");
    const post = await fetch(`${server.url}/`, { method: "POST" });
    expect(post.status).toBe(404);
  });
});

describe("a server without the built console", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite" });
  });
  afterAll(() => server.close());

  it("says at / how to build it", async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("console is not built");
    expect(text).toContain("npm run build");
  });
});
