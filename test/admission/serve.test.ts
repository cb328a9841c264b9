import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  post,
  type ReviewResponseBody,
  startAdmissionServe,
  TESTDATA,
  type TestCerts,
} from "./support.js";

/**
 * `portcullis admission serve` as a separate process (through registerAdmission, as main.ts will
 * call it): flags, TLS files, the one-line-per-review log, and SIGTERM.
 */
const DIGEST = `sha256:${"cd".repeat(32)}`;

describe.skipIf(!hasOpenssl())("portcullis admission serve (a real process)", () => {
  let certs: TestCerts;
  let child: ChildProcess;
  let port = 0;
  let lines: string[] = [];

  beforeAll(async () => {
    certs = makeCerts();
    const args = [
      "serve",
      "--policy",
      join(TESTDATA, "require-digest.yaml"),
      "--tls-cert",
      join(certs.dir, "tls.crt"),
      "--tls-key",
      join(certs.dir, "tls.key"),
      "--listen",
      "127.0.0.1:0",
      "--timeout",
      "2s",
    ];
    const started = await startAdmissionServe(args);
    child = started.child;
    port = started.port;
    lines = started.lines;
  });
  afterAll(() => {
    child?.kill("SIGKILL");
    certs?.cleanup();
  });

  it("serves reviews and logs one line each, without the object", async () => {
    const r = await post(port, "/validate", JSON.stringify(podReview([`nginx@${DIGEST}`])), certs.ca);
    expect((r.body as ReviewResponseBody).response.allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reviewLines = lines.filter((l) => l.includes("admission review"));
    expect(reviewLines).toHaveLength(1);
    const entry = JSON.parse(reviewLines[0] ?? "{}") as Record<string, unknown>;
    expect(entry).toMatchObject({
      uid: "uidValue",
      kind: "Pod",
      namespace: "apps",
      allowed: true,
      mode: "validate",
    });
    expect(reviewLines[0]).not.toContain("usernameValue");
  });

  it("stops on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
