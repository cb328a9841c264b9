/**
 * Authentication flows of the registry client, against a fake registry: a node:http proxy in front
 * of a real Portcullis (src/server/testing.ts) that demands credentials the way Docker Hub and
 * Distribution do, plus a token server (distribution docs/spec/auth/token.md). The proxy checks the
 * Bearer token's scopes for every request; Portcullis behind it serves the content.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../../src/core/index.js";
import { ImageError, type OpenedManifestImage, openImage, RegistryClient } from "../../src/oci/index.js";
import { buildImage } from "../../src/oci/sources/testing/build.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { pushBuiltImage } from "../support/push-image.js";

const USER = "alice";
const PASSWORD = "s3cret:with-colon";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

interface Grant {
  scopes: Set<string>;
  expiresAt: number;
}

interface FakeState {
  mode: "bearer" | "basic";
  tokens: Map<string, Grant>;
  tokenRequests: string[][];
  expiresIn: number;
  /** Answer 404 on /referrers/ like a registry without the API. */
  noReferrersApi: boolean;
  anonymousPull: boolean;
}

let backend: TestServer;
let proxy: Server;
let proxyHost: string;
const state: FakeState = {
  mode: "bearer",
  tokens: new Map(),
  tokenRequests: [],
  expiresIn: 300,
  noReferrersApi: false,
  anonymousPull: false,
};

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function basicOk(header: string | undefined): boolean {
  return header === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
}

function needed(req: IncomingMessage): string | undefined {
  const match = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(req.url ?? "");
  if (match === null) return undefined;
  const action =
    req.method === "GET" || req.method === "HEAD" ? "pull" : req.method === "DELETE" ? "delete" : "push";
  return `repository:${match[1]}:${action}`;
}

function granted(grant: Grant, scope: string): boolean {
  const [, repo, action] = /^repository:(.+):(\w+)$/.exec(scope)!;
  return [...grant.scopes].some((s) => {
    const m = /^repository:(.+):([\w,*]+)$/.exec(s);
    return m !== null && m[1] === repo && m[2]!.split(",").includes(action!);
  });
}

function token(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, "http://x");
  const scopes = url.searchParams.getAll("scope");
  state.tokenRequests.push(scopes);
  const authenticated = basicOk(req.headers.authorization);
  if (req.headers.authorization !== undefined && !authenticated) {
    res.writeHead(401).end();
    return;
  }
  // Anonymous callers get pull only, and only when anonymousPull is on.
  const allowed = scopes.filter((s) => authenticated || (state.anonymousPull && s.endsWith(":pull")));
  const value = randomBytes(16).toString("hex");
  state.tokens.set(value, { scopes: new Set(allowed), expiresAt: Date.now() + state.expiresIn * 1000 });
  res
    .writeHead(200, { "Content-Type": "application/json" })
    .end(JSON.stringify({ token: value, expires_in: state.expiresIn }));
}

function forward(req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(backend.url);
  const headers = { ...req.headers, host: target.host };
  delete headers.authorization;
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    (answer) => {
      const out = { ...answer.headers };
      if (typeof out.location === "string") out.location = out.location.replace(backend.url, "");
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    },
  );
  req.pipe(upstream);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.url?.startsWith("/token")) {
    token(req, res);
    return;
  }
  const scope = needed(req);
  if (state.noReferrersApi && req.url?.includes("/referrers/")) {
    res.writeHead(404).end();
    return;
  }
  if (state.mode === "basic") {
    if (!basicOk(req.headers.authorization)) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="fake"' }).end();
      return;
    }
    forward(req, res);
    return;
  }
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  const grant = bearer === undefined ? undefined : state.tokens.get(bearer);
  const ok =
    grant !== undefined && grant.expiresAt > Date.now() && (scope === undefined || granted(grant, scope));
  if (!ok) {
    const challenge = `Bearer realm="http://${proxyHost}/token",service="fake-registry"${scope ? `,scope="${scope}"` : ""}`;
    res.writeHead(401, { "WWW-Authenticate": challenge, "Content-Type": "application/json" });
    res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
    return;
  }
  forward(req, res);
}

async function failure(promise: Promise<unknown>): Promise<ImageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageError);
  return err as ImageError;
}

const credentials = { username: USER, password: PASSWORD };
let image: Awaited<ReturnType<typeof buildImage>>;

const push = (client: RegistryClient, repo: string, tag: string) => pushBuiltImage(client, repo, tag, image);

beforeAll(async () => {
  backend = await startTestServer({ database: "sqlite" });
  proxy = createServer(handle);
  proxyHost = await listen(proxy);
  image = await buildImage([[{ name: "etc/os-release", content: "ID=token\n" }]]);
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
  await backend?.close();
});

beforeEach(() => {
  Object.assign(state, {
    mode: "bearer",
    tokenRequests: [],
    expiresIn: 300,
    noReferrersApi: false,
    anonymousPull: false,
  });
  state.tokens.clear();
});

describe("Docker token flow (fake registry with scope-checking tokens)", () => {
  it("gets a token with Basic credentials, caches it per scope, and pushes and pulls", async () => {
    const client = new RegistryClient({ registry: proxyHost, credentials });
    await push(client, "team/app", "v1");
    const fetched = await client.getManifest("team/app", "v1");
    expect(fetched.digest).toBe(image.digest);
    await client.getManifest("team/app", "v1");
    await client.blobExists("team/app", image.configDigest);
    // pushBlob's existence check gets a pull token, the upload a pull,push token (with the
    // challenge's scope added); every later request reuses one of the two.
    expect(state.tokenRequests).toEqual([
      ["repository:team/app:pull"],
      ["repository:team/app:pull,push", "repository:team/app:push"],
    ]);
  });

  it("fetches a new token when the cached one has expired", async () => {
    const client = new RegistryClient({ registry: proxyHost, credentials });
    await push(client, "team/expiry", "v1");
    state.tokenRequests = [];
    state.expiresIn = 1; // the client keeps a token at least 1 s even inside the 5 s margin
    const fresh = new RegistryClient({ registry: proxyHost, credentials });
    await fresh.getManifest("team/expiry", "v1");
    await fresh.getManifest("team/expiry", "v1");
    expect(state.tokenRequests.length).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    await fresh.getManifest("team/expiry", "v1");
    expect(state.tokenRequests.length).toBe(2);
  });

  it("pulls anonymously when the token server allows it, and fails pushes with AUTH_FAILED", async () => {
    await push(new RegistryClient({ registry: proxyHost, credentials }), "public/app", "v1");
    state.anonymousPull = true;
    const anonymous = new RegistryClient({ registry: proxyHost });
    expect((await anonymous.getManifest("public/app", "v1")).digest).toBe(image.digest);
    expect(
      (await failure(anonymous.putManifest("public/app", "v2", image.manifest, OCI_MANIFEST))).code,
    ).toBe("AUTH_FAILED");
  });

  it("reports wrong credentials as AUTH_FAILED without echoing them", async () => {
    const client = new RegistryClient({
      registry: proxyHost,
      credentials: { username: USER, password: "wrong-password" },
    });
    const err = await failure(client.getManifest("team/app", "v1"));
    expect(err.code).toBe("AUTH_FAILED");
    expect(err.message).not.toContain("wrong-password");
  });

  it("opens an image through openImage with credentials from a docker config", async () => {
    await push(new RegistryClient({ registry: proxyHost, credentials }), "team/open", "v1");
    const dockerConfig = JSON.stringify({
      auths: { [proxyHost]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } },
    });
    const opened = (await openImage(`${proxyHost}/team/open:v1`, {
      registry: { dockerConfig },
    })) as OpenedManifestImage;
    expect(opened.digest).toBe(image.digest);
    const chunks: Buffer[] = [];
    for await (const chunk of await opened.openLayer(0)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(image.layers[0]!.bytes)).toBe(true);
  });

  it("falls back to the referrers tag schema when the API answers 404", async () => {
    const client = new RegistryClient({ registry: proxyHost, credentials });
    await push(client, "team/refs", "v1");
    state.noReferrersApi = true;
    expect(await client.getReferrers("team/refs", image.digest)).toEqual([]);
    const empty = Buffer.from("{}");
    await client.pushBlob("team/refs", { data: empty });
    const artifact = async (artifactType: string) => {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType,
          config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2 },
          layers: [{ mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2 }],
        }),
      );
      const digest = await client.putManifest("team/refs", digestOf(bytes), bytes, OCI_MANIFEST);
      return { mediaType: OCI_MANIFEST, digest, size: bytes.length, artifactType };
    };
    const referrer = await artifact("application/x-sig");
    const other = await artifact("application/x-sbom");
    const fallbackIndex = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [referrer, other],
      }),
    );
    await client.putManifest(
      "team/refs",
      image.digest.replace(":", "-"),
      fallbackIndex,
      "application/vnd.oci.image.index.v1+json",
    );
    expect((await client.getReferrers("team/refs", image.digest)).length).toBe(2);
    const found = await client.getReferrers("team/refs", image.digest, "application/x-sig");
    expect(found.map((d) => d.digest)).toEqual([referrer.digest]);
  });
});

describe("Basic authentication", () => {
  it("answers a Basic challenge with the credentials and fails without them", async () => {
    await push(new RegistryClient({ registry: proxyHost, credentials }), "basic/app", "v1");
    state.mode = "basic";
    const client = new RegistryClient({ registry: proxyHost, credentials });
    expect((await client.getManifest("basic/app", "v1")).digest).toBe(image.digest);
    expect(
      (await failure(new RegistryClient({ registry: proxyHost }).getManifest("basic/app", "v1"))).code,
    ).toBe("AUTH_FAILED");
  });
});
