import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { build, defineConfig, type Plugin } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

const EARLY_START = fileURLToPath(new URL("src/early-start.ts", import.meta.url));

/**
 * Inlines the early start script (src/early-start.ts, bundled on its own as a classic script) into
 * index.html, before the main chunk's tag: it runs while the HTML is parsed and starts the session's
 * and the first page's requests at once, not one round trip later as a file of its own would (issue
 * 14: the first rows in under 300 ms). The console's CSP allows it by its hash, which the server
 * computes from the index.html it serves (src/server/console/routes.ts), so no 'unsafe-inline'.
 */
function earlyStart(): Plugin {
  return {
    name: "portcullis-early-start",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      async handler(html) {
        // A build of its own (Vite's, not written to disk): a classic script, no module to import.
        const built = await build({
          configFile: false,
          logLevel: "warn",
          root,
          build: {
            write: false,
            minify: true,
            target: "es2022",
            modulePreload: false,
            copyPublicDir: false,
            rolldownOptions: { input: EARLY_START, output: { format: "iife" } },
          },
        });
        const [result] = Array.isArray(built) ? built : [built];
        if (!result || !("output" in result)) throw new Error("the early start script's build wrote nothing");
        const chunks = result.output.filter((item) => item.type === "chunk");
        if (chunks.length !== 1) throw new Error("the early start script did not build into one chunk");
        const code = chunks[0]!.code.trim();
        // Its text is the script element's: "</script" would end it early, an import could not run.
        if (/<\/script|<!--|\bimport\b/i.test(code))
          throw new Error("the early start script cannot be inlined");
        const main = html.indexOf('<script type="module"');
        if (main === -1) throw new Error("index.html has no main module script");
        return `${html.slice(0, main)}<script>${code}</script>\n    ${html.slice(main)}`;
      },
    },
  };
}

/**
 * The console's build: `web/` into `dist/web/` (served by `serve`, src/server/console/). Hashed file
 * names under assets/ (cached for a year), no inline script or style but the early start script (the
 * console's CSP allows 'self' and that script's hash only), and no module-preload polyfill (it would be inline-injected code we do not need: every
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
  },
});
