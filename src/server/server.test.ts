import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  digestOf,
  OCI_MANIFEST,
  pushImage,
  rawRequest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "./testing.js";

/** Sums every sample of a metric (all label sets) in Prometheus text format; undefined when absent. */
function metric(text: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? (\S+)$/);
    if (m && m[1] === name) total = (total ?? 0) + Number(m[2]);
  }
  return total;
}

describe.each(testDatabases())("server (%s)", (database) => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer({ database });
    url = server.url;
  });
  afterAll(() => server.close());

  it("every /v2/ response carries Docker-Distribution-API-Version, errors included", async () => {
    const image = await pushImage(url, "server/app", { tag: "v1" });
    const requests: Array<[string, string, number]> = [
      ["GET", "/v2/", 200],
      ["HEAD", "/v2/", 200],
      // Not in the specification (Distribution redirects it to /v2/): only the header is checked.
      ["GET", "/v2", 0],
      ["GET", "/v2/server/app/manifests/v1", 200],
      ["HEAD", "/v2/server/app/manifests/v1", 200],
      ["GET", `/v2/server/app/blobs/${image.config.digest}`, 200],
      ["GET", "/v2/server/app/tags/list", 200],
      ["GET", "/v2/_catalog", 200],
      ["GET", `/v2/server/app/referrers/${image.digest}`, 200],
      ["POST", "/v2/server/app/blobs/uploads/", 202],
      ["GET", "/v2/server/app/manifests/absent", 404],
      ["HEAD", "/v2/server/app/manifests/absent", 404],
      ["GET", `/v2/server/app/blobs/${digestOf("absent")}`, 404],
      ["GET", "/v2/UPPER/tags/list", 400],
      ["GET", "/v2/a%zz/tags/list", 400],
      ["POST", "/v2/server/app/manifests/v1", 405],
      ["GET", "/v2/server/app/nowhere", 404],
      ["GET", "/v2/server/unknown/tags/list", 404],
    ];
    for (const [method, path, status] of requests) {
      const res = await rawRequest(url, { method, path });
      if (status !== 0) expect(res?.status, `${method} ${path}`).toBe(status);
      expect(res?.headers["docker-distribution-api-version"], `${method} ${path}`).toBe("registry/2.0");
    }
    const range = await fetch(`${url}/v2/server/app/blobs/${image.config.digest}`, {
      headers: { Range: "bytes=100000-" },
    });
    expect(range.status).toBe(416);
    expect(range.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    await range.arrayBuffer();
  });

  it("GET /v2/ is 200 with a JSON body", async () => {
    const res = await fetch(`${url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({});
  });

  it("/healthz and /readyz are 200", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
  });

  it("/metrics exposes request, byte, upload and storage metrics that move after a push", async () => {
    const scrape = async () => {
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      return res.text();
    };
    const before = await scrape();
    for (const name of [
      "portcullis_http_requests_total",
      "portcullis_http_request_duration_seconds",
      "portcullis_registry_bytes_received_total",
      "portcullis_registry_bytes_sent_total",
      "portcullis_registry_open_uploads",
      "portcullis_registry_stored_bytes",
    ]) {
      expect(before, name).toContain(`# TYPE ${name} `);
    }

    const data = randomBytes(5000);
    const digest = digestOf(data);
    const started = await fetch(`${url}/v2/server/metrics/blobs/uploads/`, { method: "POST" });
    const location = new URL(started.headers.get("location")!, url);
    const open = await scrape();
    expect(metric(open, "portcullis_registry_open_uploads")).toBe(
      (metric(before, "portcullis_registry_open_uploads") ?? 0) + 1,
    );
    location.searchParams.set("digest", digest);
    expect((await fetch(location, { method: "PUT", body: data })).status).toBe(201);
    const pulled = await fetch(`${url}/v2/server/metrics/blobs/${digest}`);
    expect((await pulled.arrayBuffer()).byteLength).toBe(5000);
    await fetch(`${url}/v2/server/metrics/manifests/none`, { headers: { Accept: OCI_MANIFEST } });

    const after = await scrape();
    const delta = (name: string) => (metric(after, name) ?? 0) - (metric(before, name) ?? 0);
    expect(delta("portcullis_registry_bytes_received_total")).toBeGreaterThanOrEqual(5000);
    expect(delta("portcullis_registry_bytes_sent_total")).toBeGreaterThanOrEqual(5000);
    expect(delta("portcullis_registry_stored_bytes")).toBe(5000);
    expect(metric(after, "portcullis_registry_open_uploads")).toBe(
      metric(before, "portcullis_registry_open_uploads"),
    );
    expect(delta("portcullis_http_requests_total")).toBeGreaterThanOrEqual(5);
    expect(delta("portcullis_http_request_duration_seconds_count")).toBeGreaterThanOrEqual(5);
    expect(after).toMatch(/portcullis_http_requests_total\{[^}]*route="blobs"[^}]*status="200"[^}]*\} \d+/);
    expect(after).toMatch(
      /portcullis_http_requests_total\{[^}]*route="manifests"[^}]*status="404"[^}]*\} \d+/,
    );
  });
});
