/**
 * Every command block of README.md and docs/*.md marked `<!-- doctest -->` runs, in order, in a temporary
 * folder against a real `serve`: see test/support/doctest.ts for the marker and what the runner provides.
 * A failing block fails with its file, line, script and output.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockFailure,
  type DocBlock,
  type DocEnvironment,
  extractDocBlocks,
  prepareDocEnvironment,
  rewriteAddresses,
  runDocScript,
} from "../support/doctest.js";
import { unavailable } from "../support/requirements.js";
import { freePort, hasCommand, REPO_ROOT } from "../support/targets.js";

// Generous: a block starts Portcullis up to ten times (the team walkthrough runs some twenty commands,
// 110 s on a loaded 2-core machine), and CI runs this beside the rest of the suite.
const BLOCK_TIMEOUT_MS = 240_000;

function markdownFiles(): string[] {
  const docs = readdirSync(join(REPO_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs.sort()];
}

const blocksByFile = new Map<string, DocBlock[]>(
  markdownFiles().map((file) => [file, extractDocBlocks(file, readFileSync(join(REPO_ROOT, file), "utf8"))]),
);

describe("doc-test extraction", () => {
  it("finds only ```sh blocks right after the marker, with their fence line", () => {
    const text = [
      "# T", //1
      "```sh", //2
      "echo unmarked", //3
      "```", //4
      "<!-- doctest -->", //5
      "```sh", //6
      "echo one", //7
      "echo two", //8
      "```", //9
      "````md", //10
      "<!-- doctest -->", //11
      "````", //12
    ].join("\n");
    expect(extractDocBlocks("t.md", text)).toEqual([
      { file: "t.md", line: 6, script: "echo one\necho two\n" },
    ]);
  });

  it("refuses a marker that is not followed by a sh fence", () => {
    expect(() => extractDocBlocks("t.md", "<!-- doctest -->\n\n```sh\necho\n```\n")).toThrow(
      "t.md:1: <!-- doctest --> must be followed by a ```sh fence",
    );
    expect(() => extractDocBlocks("t.md", "<!-- doctest -->\n```yaml\na: 1\n```\n")).toThrow("t.md:1");
  });

  it("rewrites the README's addresses to the runner's, and nothing else", () => {
    const site = {
      port: 4321,
      registryHost: "192.0.2.7",
      issuer: "http://127.0.0.1:9999",
      webhookPort: 4322,
    };
    expect(
      rewriteAddresses(
        "curl http://127.0.0.1:5000/x localhost:5000/a:1 localhost:50000 example.com:5000 --listen 0.0.0.0:5000",
        site,
      ),
    ).toBe(
      "curl http://127.0.0.1:4321/x localhost:4321/a:1 localhost:50000 example.com:5000 --listen 0.0.0.0:4321",
    );
    expect(
      rewriteAddresses(
        "podman push registry.example.com:5000/team/app:1 registry.example.com/x issuer: https://sso.example.com/realm",
        site,
      ),
    ).toBe(
      "podman push 192.0.2.7:4321/team/app:1 registry.example.com/x issuer: http://127.0.0.1:9999/realm",
    );
    expect(
      rewriteAddresses(
        "--listen 127.0.0.1:8443 --resolve portcullis.portcullis.svc:8443:127.0.0.1 https://portcullis.portcullis.svc:8443/validate other.svc:8443",
        site,
      ),
    ).toBe(
      "--listen 127.0.0.1:4322 --resolve portcullis.portcullis.svc:4322:127.0.0.1 https://portcullis.portcullis.svc:4322/validate other.svc:8443",
    );
  });

  it("runs a block so that any failing command fails it, pipes included", async () => {
    const options = { cwd: tmpdir(), env: {}, timeoutMs: 30_000 };
    const failed = await runDocScript("echo before\nfalse\necho after\n", options);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("before\n");
    expect((await runDocScript("false | cat\n", options)).code).toBe(1);
    expect((await runDocScript("echo $UNSET_VARIABLE\n", options)).code).not.toBe(0);
    const interleaved = await runDocScript("echo out; echo err >&2; echo out2\n", options);
    expect(interleaved.stdout).toBe("out\nerr\nout2\n");
  });

  it("names the file, the line, the script and its output when a block fails", async () => {
    const block = { file: "README.md", line: 42, script: "echo before\nfalse\n" };
    const result = await runDocScript(block.script, { cwd: tmpdir(), env: {}, timeoutMs: 30_000 });
    const message = blockFailure(block, result.code, result.stdout, "line 1\nlistening\n");
    expect(message).toBe(
      "README.md:42: the block exited 1\n--- block ---\necho before\nfalse\n--- output ---\nbefore\n\n--- serve log (last lines) ---\nline 1\nlistening\n",
    );
  });

  it("finds the README's runnable blocks", () => {
    expect(blocksByFile.get("README.md")?.length ?? 0).toBeGreaterThanOrEqual(8);
  });
});

// podman and jq: the team walkthrough pushes with podman and reads JSON answers with jq.
const TOOLS = ["bash", "curl", "skopeo", "openssl", "podman", "jq"];
const missing = TOOLS.filter((tool) => !hasCommand(tool));

for (const [file, blocks] of blocksByFile) {
  if (blocks.length === 0) continue;
  describe.skipIf(unavailable(missing.join(", "), missing.length === 0))(file, () => {
    let work: string;
    let environment: DocEnvironment | undefined;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), "portcullis-doctest-"));
      environment = await prepareDocEnvironment(work, await freePort());
    }, 180_000);

    afterAll(async () => {
      await environment?.stop();
      await rm(work, { recursive: true, force: true });
    }, 60_000);

    for (const block of blocks) {
      it(
        `${block.file}:${block.line}`,
        async () => {
          if (environment === undefined) throw new Error("the doc-test environment did not start");
          const { code, output } = await environment.runBlock(block, BLOCK_TIMEOUT_MS);
          if (code !== 0) throw new Error(blockFailure(block, code, output, await environment.serveLog()));
        },
        BLOCK_TIMEOUT_MS + 10_000,
      );
    }
  });
}
