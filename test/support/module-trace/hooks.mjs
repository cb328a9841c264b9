// Module customization hooks (they run on Node's loader thread): every module URL an import resolves
// to is appended to the file named by PORTCULLIS_MODULE_TRACE. Synchronous appends, so nothing is lost
// when the process exits right after its last import.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.PORTCULLIS_MODULE_TRACE, `${resolved.url}\n`);
  return resolved;
}
