// `node --import ./register.mjs app.js` writes every module app.js loads to PORTCULLIS_MODULE_TRACE, one
// per line: ES modules as their import resolves them (hooks.mjs), CommonJS modules (packages such as
// Fastify require theirs) from require.cache when the process exits.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

register("./hooks.mjs", import.meta.url);
const require = createRequire(import.meta.url);
process.on("exit", () => {
  const loaded = Object.keys(require.cache).map((path) => `${pathToFileURL(path).href}\n`);
  appendFileSync(process.env.PORTCULLIS_MODULE_TRACE, loaded.join(""));
});
