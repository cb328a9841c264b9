#!/usr/bin/env -S node --max-semi-space-size=4
// The one binary: every subcommand lives in dist/cli (built from src/cli by `npm ci`).
// A 4 MiB young generation (V8's default is 16 MiB, tripled while scavenging) keeps the resident
// memory of a busy `serve` some 30 MiB lower for a few per cent of throughput. Measured again for
// issue 13 (512 MiB pushed twice to an accounts-mode server): 16 MiB makes 49 scavenges instead of 68
// and spends ~0.15 s less in them, but its peak RSS is ~23 MiB higher, which would take the big
// push's 139 MiB peak in docs/benchmarks.md past its 150 MiB goal. But with 4 MiB a server streaming a
// big push sometimes falls into back-to-back full collections that free nothing (V8 starts incremental
// marking on "allocation limit" every 100-170 ms: 3.0 s of CPU per GiB instead of 1.2 s), in either auth
// mode; with 16 MiB it never did in our runs (issue 13, session 10). Open: allocate less per chunk on the
// upload path, or take the 16 MiB and win the memory back elsewhere.
import module from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

// Node 22.1 and later keep the compiled code of our modules on disk, which shortens every start after
// the first (Node 20 has no compile cache: the call is skipped). The cache is the user's own, not
// Node's default in the shared /tmp, where another user could plant code; NODE_DISABLE_COMPILE_CACHE=1
// turns it off. It must be on before dist/ is loaded, hence the dynamic import below.
try {
  module.enableCompileCache?.(
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "portcullis", "node-compile-cache"),
  );
} catch {
  // No home folder to keep it in (homedir() throws): start without the cache.
}
const { main } = await import("../dist/cli/index.js");

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
