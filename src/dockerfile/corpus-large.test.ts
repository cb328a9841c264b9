/**
 * When the Dinosaur dataset is present (../shared/testdata, not in the repository), lint its first
 * Dockerfiles and require that no rule fails internally: the rules must survive real-world input.
 */
import { createReadStream, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../test/support/requirements.js";
import { lintText } from "./lint/index.js";

const TARBALL = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../shared/testdata/dockerfiles/dinosaur-dockerfiles-v2.tar.gz",
);
const COUNT = 1500;

async function firstDockerfiles(count: number): Promise<{ name: string; text: Buffer }[]> {
  const out: { name: string; text: Buffer }[] = [];
  const tar = extract();
  const input = createReadStream(TARBALL);
  const done = new Promise<void>((resolveDone, reject) => {
    tar.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => {
        if (Buffer.isBuffer(c)) chunks.push(c);
      });
      stream.on("end", () => {
        if (header.type === "file" && header.name.endsWith("/Dockerfile")) {
          out.push({ name: header.name, text: Buffer.concat(chunks) });
        }
        if (out.length >= count) {
          input.destroy();
          resolveDone();
        } else next();
      });
      stream.resume();
    });
    tar.on("finish", () => resolveDone());
    tar.on("error", reject);
  });
  input.pipe(createGunzip()).pipe(tar);
  await done;
  return out;
}

describe("large corpus", () => {
  it.skipIf(unavailable(`the Dockerfile corpus ${TARBALL}`, existsSync(TARBALL)))(
    `lints ${COUNT} dataset Dockerfiles without internal errors`,
    async () => {
      const files = await firstDockerfiles(COUNT);
      expect(files.length).toBe(COUNT);
      const failures: string[] = [];
      for (const { name, text } of files) {
        for (const f of lintText(text, { file: name }).findings) {
          if (f.message.startsWith("internal error")) failures.push(`${name}: ${f.message}`);
        }
      }
      expect(failures).toEqual([]);
    },
    60_000,
  );
});
