import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GateError } from "./errors.js";
import { apiScanSourceFor, credentialsFor, registryClients } from "./registry-access.js";

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const dockerConfig = (host: string, user: string) =>
  JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:pw-${user}`).toString("base64") } } });

describe("credentialsFor", () => {
  it("takes explicit credentials over the docker config, and the docker config's entry for the host", () => {
    const config = dockerConfig("ghcr.io", "from-config");
    const explicit = { username: "flag", password: "secret" };
    expect(credentialsFor("ghcr.io", { credentials: explicit, dockerConfig: config })).toBe(explicit);
    expect(credentialsFor("ghcr.io", { dockerConfig: config })).toEqual({
      username: "from-config",
      password: "pw-from-config",
    });
    expect(credentialsFor("quay.io", { dockerConfig: config })).toBeUndefined();
    expect(credentialsFor("ghcr.io", {})).toBeUndefined();
  });
});

describe("registryClients", () => {
  it("keeps one client per registry host, so lookups share its token cache", async () => {
    const clientFor = registryClients({});
    const [a, again, b] = await Promise.all([clientFor("a.test"), clientFor("a.test"), clientFor("b.test")]);
    expect(a).toBe(again);
    expect(a).not.toBe(b);
  });
});

describe("apiScanSourceFor", () => {
  let server: Server;
  let host = "";
  const seen: IncomingHttpHeaders[] = [];
  const DIGEST = `sha256:${"ab".repeat(32)}`;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"SCAN_UNKNOWN"}]}');
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  /** The Authorization header the scan API was sent for one look-up. */
  const sent = async (source: ReturnType<typeof apiScanSourceFor>) => {
    seen.length = 0;
    const subject = { registry: "ghcr.io", repository: "team/app", digest: DIGEST };
    expect(await source.latestScan(subject, new AbortController().signal)).toBeUndefined();
    return seen[0]?.authorization;
  };

  it("sends the docker config's credentials for the server's host", async () => {
    const access = { dockerConfig: dockerConfig(host, "scanner") };
    expect(await sent(apiScanSourceFor(`http://${host}`, access))).toBe(basic("scanner", "pw-scanner"));
  });

  it("sends explicit credentials only to the image's own registry, the host they were given for", async () => {
    const access = {
      credentials: { username: "flag", password: "secret" },
      dockerConfig: dockerConfig(host, "cfg"),
    };
    expect(await sent(apiScanSourceFor(`http://${host}`, access, host))).toBe(basic("flag", "secret"));
    expect(await sent(apiScanSourceFor(`http://${host}`, access, "ghcr.io"))).toBe(basic("cfg", "pw-cfg"));
    expect(
      await sent(apiScanSourceFor(`http://${host}`, { credentials: access.credentials })),
    ).toBeUndefined();
  });

  it("refuses plain HTTP beyond loopback unless insecure, before contacting anything", () => {
    expect(() => apiScanSourceFor("http://scans.example.com", {})).toThrow(GateError);
    expect(() => apiScanSourceFor("http://scans.example.com", {})).toThrow(/plain HTTP/);
    expect(apiScanSourceFor("http://scans.example.com", { insecure: true })).toBeDefined();
  });
});
