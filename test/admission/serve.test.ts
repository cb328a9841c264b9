import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { unavailable } from "../support/requirements.js";
import {
  hasOpenssl,
  makeCerts,
  podReview,
  post,
  type ReviewResponseBody,
  serveArgs,
  startAdmissionServe,
  TESTDATA,
  type TestCerts,
} from "./support.js";

/**
 * `portcullis admission serve` as a separate process (through registerAdmission, as main.ts will
 * call it): flags, TLS files, the one-line-per-review log, and SIGTERM.
 */
const DIGEST = `sha256:${"cd".repeat(32)}`;

describe.skipIf(unavailable("openssl", hasOpenssl()))("portcullis admission serve (a real process)", () => {
  let certs: TestCerts;
  let child: ChildProcess;
  let port = 0;
  let lines: string[] = [];

  beforeAll(async () => {
    certs = makeCerts();
    const args = serveArgs(certs, join(TESTDATA, "require-digest.yaml"), "--timeout", "2s");
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
    // The line reaches our pipe after the answer. To know no second line follows, send a request that
    // logs too (a malformed /mutate body: a 400, outside the counts the metrics test reads) and wait
    // for its line, which comes after every line of the review before it.
    const refused = await post(port, "/mutate", "{}", certs.ca);
    expect(refused.status).toBe(400);
    await vi.waitFor(() => expect(lines.some((l) => l.includes('"mode":"mutate"'))).toBe(true), {
      timeout: 5000,
    });
    const reviewLines = lines.filter(
      (l) => l.includes("admission review") && l.includes('"mode":"validate"'),
    );
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

  it("serves Prometheus metrics over HTTPS, counting each review and decision", async () => {
    const scrape = async () => {
      const r = await post(port, "/metrics", "", certs.ca);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      return String(r.body);
    };
    const value = (text: string, series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const denied = 'portcullis_admission_reviews_total{operation="validate",allowed="false"}';
    const deny = 'portcullis_admission_image_decisions_total{effect="deny",override="none"}';
    const timed = 'portcullis_admission_review_duration_seconds_count{operation="validate"}';
    const before = await scrape();
    // The review of the test above (one pinned image, allowed).
    expect(value(before, 'portcullis_admission_reviews_total{operation="validate",allowed="true"}')).toBe(1);
    expect(value(before, 'portcullis_admission_image_decisions_total{effect="allow",override="none"}')).toBe(
      1,
    );
    expect(value(before, denied)).toBe(0);
    expect(value(before, "portcullis_process_resident_memory_bytes")).toBeGreaterThan(0);

    const r = await post(port, "/validate", JSON.stringify(podReview(["nginx:1.27"])), certs.ca);
    expect((r.body as ReviewResponseBody).response.allowed).toBe(false);
    const after = await scrape();
    expect(value(after, denied)).toBe(1);
    expect(value(after, deny)).toBe(1);
    expect(value(after, timed)).toBe((value(before, timed) ?? Number.NaN) + 1);
  });

  it("stops on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
