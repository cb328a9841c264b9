import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ServerError } from "../errors.js";
import { CONSOLE_CSP } from "../headers.js";

/**
 * The web console (web/, built by `npm run build` into dist/web/): GET / and every path that is not
 * an API answer the app's index.html (the app routes in the browser), `/assets/*` its hashed files.
 * The files are read once at start: a few hundred kilobytes, kept with their gzip form.
 */
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Paths that belong to the APIs: a miss there is the API's JSON 404, never the console's page. */
const API_PREFIXES = ["/v2", "/v1", "/api", "/token", "/auth", "/metrics", "/healthz", "/readyz", "/assets"];

export function isConsolePath(path: string): boolean {
  return !API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

interface StaticFile {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly type: string;
}

export interface ConsoleFiles {
  readonly index: StaticFile;
  /** index.html's CSP: CONSOLE_CSP with its inline scripts' hashes (see inlineScriptCsp). */
  readonly indexCsp: string;
  /** Hashed files under assets/, by name. */
  readonly assets: ReadonlyMap<string, StaticFile>;
  /** Files at the top of the build (favicon.svg), by name. */
  readonly root: ReadonlyMap<string, StaticFile>;
}

/** Where the built console is: dist/web beside the built server, or the checkout's dist/web. */
export function defaultConsoleDir(): string | undefined {
  const candidates = [
    fileURLToPath(new URL("../../web/", import.meta.url)),
    fileURLToPath(new URL("../../../dist/web/", import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(join(dir, "index.html")));
}

function load(path: string): StaticFile {
  const body = readFileSync(path);
  const type =
    TYPES[extname(path)] ??
    (path.endsWith(".html") ? "text/html; charset=utf-8" : "application/octet-stream");
  const compressible = /^(text\/|image\/svg|application\/json)/.test(type) && body.length > 512;
  return { body, gzip: compressible ? gzipSync(body, { level: 9 }) : undefined, type };
}

function filesIn(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name !== "index.html" && statSync(path).isFile()) files.set(name, load(path));
  }
  return files;
}

/**
 * CONSOLE_CSP for a page whose inline scripts (the build inlines the early start script: web/
 * vite.config.ts) may run: each by the hash of its exact text (CSP level 2 hash sources), so no
 * 'unsafe-inline' and nothing injected into the page could run. Computed from the file served, so
 * hash and script cannot drift apart. The page is this build's own output, read at start.
 */
export function inlineScriptCsp(html: string): string {
  const hashes = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash("sha256").update(m[1]!, "utf8").digest("base64")}'`,
  );
  if (hashes.length === 0) return CONSOLE_CSP;
  const csp = CONSOLE_CSP.replace("script-src 'self'", `script-src 'self' ${hashes.join(" ")}`);
  if (csp === CONSOLE_CSP) throw new Error("CONSOLE_CSP has no script-src 'self' to add hashes to");
  return csp;
}

export function loadConsole(dir: string | undefined): ConsoleFiles | undefined {
  if (!dir || !existsSync(join(dir, "index.html"))) return undefined;
  const index = load(join(dir, "index.html"));
  return {
    index,
    indexCsp: inlineScriptCsp(index.body.toString("utf8")),
    assets: filesIn(join(dir, "assets")),
    root: filesIn(dir),
  };
}

const NOT_BUILT = `The Portcullis console is not built.

This server runs from a checkout without its web app (dist/web/). Build it with

  npm run build

in the checkout (it builds the server into dist/ and the console, web/, into dist/web/), then restart
\`portcullis serve\`. The HTTP API under /api/v1 and the registry under /v2/ work without it.
`;

function send(
  request: FastifyRequest,
  reply: FastifyReply,
  file: StaticFile,
  cache: string,
  csp = CONSOLE_CSP,
): FastifyReply {
  reply.header("Content-Security-Policy", csp).header("Cache-Control", cache).type(file.type);
  if (file.gzip) {
    reply.header("Vary", "Accept-Encoding");
    if (/\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""))) {
      return reply.header("Content-Encoding", "gzip").send(file.gzip);
    }
  }
  return reply.send(file.body);
}

export function registerConsoleRoutes(app: FastifyInstance, files: ConsoleFiles | undefined): void {
  const immutable = "public, max-age=31536000, immutable";

  app.get("/assets/*", async (request, reply) => {
    request.routeName = "console.asset";
    const name = (request.params as { "*": string })["*"];
    const file = files?.assets.get(name);
    if (!file) throw new ServerError("NOT_FOUND", "no such console file");
    return send(request, reply, file, immutable);
  });

  app.get("/*", async (request, reply) => {
    request.routeName = "console";
    const at = request.url.indexOf("?");
    const path = at === -1 ? request.url : request.url.slice(0, at);
    if (!isConsolePath(path)) {
      request.routeName = "unknown";
      throw new ServerError("NOT_FOUND", "no such endpoint");
    }
    if (!files) {
      return reply.code(404).type("text/plain; charset=utf-8").send(NOT_BUILT);
    }
    const top = files.root.get(path.slice(1));
    if (top) return send(request, reply, top, "public, max-age=3600");
    // no-cache: the page names this build's hashed assets, so a browser must ask again after an upgrade.
    return send(request, reply, files.index, "no-cache", files.indexCsp);
  });
}
