import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * The console's build: `web/` into `dist/web/` (served by `serve`, src/server/console/). Hashed file
 * names under assets/ (cached for a year), no inline script or style (the console's CSP allows only
 * 'self'), and no module-preload polyfill (it would be inline-injected code we do not need: every
 * browser the console supports preloads modules itself).
 */
export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
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
