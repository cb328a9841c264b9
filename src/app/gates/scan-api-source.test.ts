import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { EvidenceSubject, ScanEvidence } from "../../evidence/index.js";
import type { ScanReport } from "../scanning/report.js";
import { GateError } from "./errors.js";
import { apiScanSource, scanApiUrl } from "./scan-api-source.js";

// The server's report is the evidence as it is: a compile-time check that the shapes still agree.
const asEvidence = (report: ScanReport): ScanEvidence => report;
void asEvidence;

const DIGEST = `sha256:${"ab".repeat(32)}`;
const SUBJECT: EvidenceSubject = {
  registry: "registry.test:5000",
  repository: "team/sub/app",
  digest: DIGEST,
};
const SCANNED_AT = "2026-05-31T12:00:00.000Z";
const REPORT = {
  schema: "portcullis.dev/scan-report/v1",
  subject: { name: "team/sub/app", digest: DIGEST },
  packages: 2,
  findings: [
    {
      id: "CVE-2026-0001",
      aliases: ["GHSA-xxxx"],
      severity: "CRITICAL",
      fixedVersion: "1.2.4",
      package: { name: "openssl", version: "1.2.3", type: "deb" },
      summary: "not read by the policy",
    },
    { id: "CVE-2026-0002", severity: "LOW", suppressed: true, package: { name: "zlib" } },
  ],
  violations: [],
  summary: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0, suppressed: 1, violations: 0 },
  advisories: { ecosystems: [] },
  warnings: [],
  scannedAt: SCANNED_AT,
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base = "";
let handler: Handler;
const seen: IncomingMessage[] = [];

function json(status: number, body: unknown): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
}

const apiError = (code: string, message = "no") => ({ errors: [{ code, message }] });
const latest = (options: Partial<Parameters<typeof apiScanSource>[0]> = {}) =>
  apiScanSource({ baseUrl: base, ...options }).latestScan(SUBJECT, new AbortController().signal);

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  seen.length = 0;
});

describe("apiScanSource", () => {
  it("reads the report of a done scan: the fields the policy reads, checked", async () => {
    handler = json(200, { digest: DIGEST, status: "done", requestedAt: SCANNED_AT, report: REPORT });
    const scan = await latest();
    expect(scan).toEqual({
      scannedAt: SCANNED_AT,
      findings: [
        {
          id: "CVE-2026-0001",
          aliases: ["GHSA-xxxx"],
          severity: "CRITICAL",
          fixedVersion: "1.2.4",
          package: { name: "openssl" },
        },
        { id: "CVE-2026-0002", severity: "LOW", suppressed: true, package: { name: "zlib" } },
      ],
    });
    // Repository slashes stay path separators; the digest is one encoded segment.
    expect(seen[0]?.url).toBe(
      `/api/v1/repositories/team/sub/app/manifests/${encodeURIComponent(DIGEST)}/vulnerabilities`,
    );
    expect(seen[0]?.method).toBe("GET");
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  // Issue 11, item 3: the flag survives the API, so --scan-api gates fail an incomplete scan too.
  it("carries an incomplete report's reasons, and refuses malformed ones", async () => {
    const reason = { code: "FILE_TOO_LARGE", message: "/var/lib/dpkg/status is 71000000 bytes" };
    handler = json(200, {
      status: "done",
      report: { ...REPORT, complete: false, incomplete: [reason] },
    });
    expect((await latest())?.incomplete).toEqual([reason]);
    handler = json(200, { status: "done", report: { ...REPORT, complete: false, incomplete: [] } });
    expect((await latest())?.incomplete).toEqual([
      { code: "INCOMPLETE", message: "the server reports the scan as incomplete" },
    ]);
    handler = json(200, { status: "done", report: { ...REPORT, complete: true, incomplete: [] } });
    expect((await latest())?.incomplete).toBeUndefined();
    for (const bad of [{ complete: "no" }, { incomplete: "yes" }, { incomplete: [{ code: 3 }] }]) {
      handler = json(200, { status: "done", report: { ...REPORT, ...bad } });
      await expect(latest()).rejects.toMatchObject({ code: "SCAN_UNAVAILABLE" });
    }
  });

  it("keeps a path prefix of the base URL and drops its trailing slash", async () => {
    handler = json(200, { digest: DIGEST, status: "done", report: REPORT });
    await latest({ baseUrl: `${base}/portcullis/` });
    expect(seen[0]?.url).toMatch(/^\/portcullis\/api\/v1\/repositories\/team\/sub\/app\/manifests\//);
  });

  it("sends Basic credentials when given, and never names them in an error", async () => {
    handler = json(401, apiError("UNAUTHORIZED", "authentication required"));
    const credentials = { username: "ci-bot", password: "s3cret-token" };
    const err = await latest({ credentials }).catch((e: unknown) => e);
    expect(seen[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("ci-bot:s3cret-token").toString("base64")}`,
    );
    expect(err).toBeInstanceOf(GateError);
    expect(err).toMatchObject({ code: "SCAN_UNAVAILABLE" });
    const message = (err as Error).message;
    expect(message).toContain("401");
    expect(message).toContain(`${base}/api/v1/repositories/team/sub/app/manifests/`);
    expect(message).not.toContain("s3cret");
    expect(message).not.toContain(Buffer.from("ci-bot:s3cret-token").toString("base64"));
  });

  it.each(["queued", "running"])("treats a %s scan without a report as not scanned yet", async (status) => {
    handler = json(200, { digest: DIGEST, status, requestedAt: SCANNED_AT });
    expect(await latest()).toBeUndefined();
  });

  it("keeps an earlier report while a re-scan is queued", async () => {
    handler = json(200, { digest: DIGEST, status: "queued", report: REPORT });
    expect((await latest())?.scannedAt).toBe(SCANNED_AT);
  });

  it("throws SCAN_FAILED with the server's error text for a failed scan", async () => {
    handler = json(200, { digest: DIGEST, status: "failed", error: "layer 2 is over the size limit" });
    const err = await latest().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SCAN_FAILED" });
    expect((err as Error).message).toContain("layer 2 is over the size limit");
  });

  it.each(["SCAN_UNKNOWN", "MANIFEST_UNKNOWN", "NAME_UNKNOWN"])(
    "reads 404 %s as never scanned",
    async (code) => {
      handler = json(404, apiError(code));
      expect(await latest()).toBeUndefined();
    },
  );

  it.each([
    ["a 404 without a known code", 404, apiError("NOT_FOUND", "no such endpoint")],
    ["a 404 that is not an API error", 404, "<html>not found</html>"],
    ["a server error", 500, apiError("INTERNAL_ERROR", "database down")],
    ["a denial", 403, apiError("DENIED", "no pull")],
  ])("throws SCAN_UNAVAILABLE naming the URL and status for %s", async (_name, status, body) => {
    handler = (_req, res) =>
      res.writeHead(status).end(typeof body === "string" ? body : JSON.stringify(body));
    const err = await latest().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SCAN_UNAVAILABLE" });
    expect((err as Error).message).toContain(`answered ${status}`);
    expect((err as Error).message).toContain(`${base}/api/v1/repositories/team/sub/app/manifests/`);
  });

  it("does not follow a redirect (it could carry the credentials elsewhere)", async () => {
    handler = (_req, res) => res.writeHead(302, { location: "http://127.0.0.2:1/elsewhere" }).end();
    const err = await latest({ credentials: { username: "u", password: "p" } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SCAN_UNAVAILABLE" });
    expect((err as Error).message).toContain("answered 302");
    expect(seen).toHaveLength(1);
  });

  it.each([
    ["a body that is not JSON", "{not json", /not JSON/],
    ["no status", JSON.stringify({ digest: DIGEST }), /without a scan status/],
    ["a done scan without a report", JSON.stringify({ status: "done" }), /status "done" and no report/],
    ["a report without scannedAt", JSON.stringify({ status: "done", report: { findings: [] } }), /scannedAt/],
    [
      "findings that are not a list",
      JSON.stringify({ status: "done", report: { scannedAt: SCANNED_AT, findings: {} } }),
      /findings list/,
    ],
    [
      "a finding with an unknown severity",
      JSON.stringify({
        status: "done",
        report: { scannedAt: SCANNED_AT, findings: [{ id: "X", severity: "BAD" }] },
      }),
      /finding 0 has no known severity/,
    ],
    [
      "a finding without an id",
      JSON.stringify({ status: "done", report: { scannedAt: SCANNED_AT, findings: [{ severity: "LOW" }] } }),
      /finding 0 has no id/,
    ],
    [
      "a suppressed flag that is a string",
      JSON.stringify({
        status: "done",
        report: { scannedAt: SCANNED_AT, findings: [{ id: "X", severity: "HIGH", suppressed: "yes" }] },
      }),
      /suppressed flag/,
    ],
  ])("refuses %s", async (_name, body, reason) => {
    handler = (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(body);
    const err = await latest().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SCAN_UNAVAILABLE" });
    expect((err as Error).message).toMatch(reason);
    expect((err as Error).message).toContain(base);
  });

  it("refuses a body over the limit whether announced or streamed", async () => {
    const big = Buffer.alloc(64 * 1024, 0x20);
    handler = (_req, res) => res.writeHead(200, { "content-length": big.length }).end(big);
    await expect(latest({ maxBytes: 1024 })).rejects.toMatchObject({
      code: "SCAN_UNAVAILABLE",
      message: expect.stringMatching(/over the 1024-byte limit/),
    });
    // Chunked: no Content-Length, so the count while reading stops it.
    let written = 0;
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const pump = () => {
        while (written < 8 * 1024 * 1024 && !res.destroyed) {
          written += big.length;
          if (!res.write(big)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    };
    await expect(latest({ maxBytes: 100 * 1024 })).rejects.toMatchObject({
      code: "SCAN_UNAVAILABLE",
      message: expect.stringMatching(/over the 102400-byte limit/),
    });
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });

  it("stops when the signal aborts, and closes the connection", async () => {
    let closed: Promise<unknown> = Promise.resolve();
    handler = (req) => {
      // Never answers: only the abort ends the request.
      closed = once(req.socket, "close");
    };
    const controller = new AbortController();
    const pending = apiScanSource({ baseUrl: base }).latestScan(SUBJECT, controller.signal);
    // The request has reached the server (not a guess at how long that takes), then the abort comes.
    await vi.waitFor(() => expect(seen).toHaveLength(1), { interval: 5 });
    controller.abort(new Error("timed out after 100ms"));
    await expect(pending).rejects.toThrow("timed out after 100ms");
    await closed;
  });

  it("stops a body that stalls halfway when the signal aborts", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":"done","report":');
    };
    const controller = new AbortController();
    const pending = apiScanSource({ baseUrl: base }).latestScan(SUBJECT, controller.signal);
    setTimeout(() => controller.abort(new Error("deadline")), 100);
    await expect(pending).rejects.toThrow("deadline");
  });

  it("names the URL and the cause when the server cannot be reached", async () => {
    const closedServer = createServer();
    closedServer.listen(0, "127.0.0.1");
    await once(closedServer, "listening");
    const port = (closedServer.address() as AddressInfo).port;
    closedServer.close();
    await once(closedServer, "close");
    const err = await latest({ baseUrl: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SCAN_UNAVAILABLE" });
    expect((err as Error).message).toContain(`http://127.0.0.1:${port}/api/v1/`);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe("scanApiUrl", () => {
  it.each([
    "http://127.0.0.1:5000",
    "http://localhost:5000",
    "http://[::1]:5000",
    "https://registry.example.com",
  ])("accepts %s", (url) => {
    expect(scanApiUrl(url).protocol).toMatch(/^https?:$/);
  });

  it("refuses plain HTTP to another host unless insecure", () => {
    expect(() => scanApiUrl("http://registry.example.com:5000")).toThrow(/plain HTTP/);
    expect(scanApiUrl("http://registry.example.com:5000", true).host).toBe("registry.example.com:5000");
  });

  it.each([
    ["not a URL", "registry.example.com"],
    ["another scheme", "ftp://registry.example.com"],
    ["a query", "https://registry.example.com/?x=1"],
  ])("refuses %s with INVALID_ARGUMENT", (_name, url) => {
    expect(() => scanApiUrl(url)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("refuses credentials in the URL without repeating them", () => {
    let err: unknown;
    try {
      scanApiUrl("https://bot:hunter2@registry.example.com");
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((err as Error).message).not.toContain("hunter2");
  });
});
