#!/usr/bin/env -S node --max-semi-space-size=4
// The one binary: every subcommand lives in dist/cli (built from src/cli by `npm ci`).
// A 4 MiB young generation (V8's default is 16 MiB, tripled while scavenging) keeps the resident
// memory of a busy `serve` some 30 MiB lower for a few per cent of throughput. Measured again for
// issue 13 (512 MiB pushed twice to an accounts-mode server): 16 MiB makes 49 scavenges instead of 68
// and spends ~0.15 s less in them, but its peak RSS is ~23 MiB higher, which would take the big
// push's 139 MiB peak in docs/benchmarks.md past its 150 MiB goal. The flag applies to anonymous and
// accounts mode alike, so it is not what separates them.
import { main } from "../dist/cli/index.js";

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
