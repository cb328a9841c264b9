import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin, type Rolldown } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Puts the early start script (src/early-start.ts, its own entry) in index.html before the main chunk,
 * `async`, with its imports preloaded: it runs as soon as its few kilobytes arrive and starts the
 * session's and the first page's requests while the main chunk (React) still downloads and compiles.
 * Issue 14: the first rows in under 300 ms.
 */
function earlyStart(): Plugin {
  return {
    name: "portcullis-early-start",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html, context) {
        const chunks = Object.values(context.bundle ?? {}).filter(
          (item): item is Rolldown.OutputChunk => item.type === "chunk",
        );
        const early = chunks.find((chunk) => chunk.isEntry && chunk.name === "early-start");
        if (!early) throw new Error("the console build has no early-start chunk");
        // Vite preloads the main chunk's imports already; a second preload link would be a no-op.
        const preload = early.imports.filter((file) => !html.includes(`/${file}"`));
        // Before the main chunk's tag (string insertion: Vite's tag injection has no "before that"),
        // so the browser asks for these first.
        const tags = [
          `<script type="module" async crossorigin src="/${early.fileName}"></script>`,
          ...preload.map((file) => `<link rel="modulepreload" crossorigin href="/${file}">`),
        ];
        const main = html.indexOf('<script type="module"');
        if (main === -1) throw new Error("index.html has no main module script");
        return `${html.slice(0, main)}${tags.join("\n    ")}\n    ${html.slice(main)}`;
      },
    },
  };
}

/**
 * The console's build: `web/` into `dist/web/` (served by `serve`, src/server/console/). Hashed file
 * names under assets/ (cached for a year), no inline script or style (the console's CSP allows only
 * 'self'), and no module-preload polyfill (it would be inline-injected code we do not need: every
 * browser the console supports preloads modules itself).
 */
export default defineConfig({
  root,
  base: "/",
  plugins: [react(), earlyStart()],
  publicDir: "public",
  build: {
    outDir: fileURLToPath(new URL("../dist/web/", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
    reportCompressedSize: false,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        "early-start": fileURLToPath(new URL("src/early-start.ts", import.meta.url)),
      },
    },
  },
});
