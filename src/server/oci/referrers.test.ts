import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  digestOf,
  errorCode,
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  pushBlob,
  pushImage,
  putManifest,
  startTestServer,
  type TestServer,
  testDatabases,
} from "../testing.js";

const EMPTY = "application/vnd.oci.empty.v1+json";
const SBOM = "application/vnd.example.sbom.v1";
const SIGNATURE_CONFIG = "application/vnd.example.signature.config.v1+json";

interface IndexBody {
  schemaVersion: number;
  mediaType: string;
  manifests: Array<{
    mediaType: string;
    digest: string;
    size: number;
    artifactType?: string;
    annotations?: Record<string, string>;
  }>;
}

/** OCI Distribution Spec 1.1 "Listing Referrers", over HTTP, on every database. */
describe.each(testDatabases())("referrers (%s)", (database) => {
  let server: TestServer;
  let url: string;
  const repo = "referrers/app";
  let image: PushedImage;
  let sbom: { body: Buffer; digest: string; subjectHeader: string | null };
  let signature: { body: Buffer; digest: string; subjectHeader: string | null };

  async function pushArtifact(document: Record<string, unknown>, reference?: string) {
    const body = Buffer.from(JSON.stringify(document));
    const digest = digestOf(body);
    const res = await putManifest(url, repo, reference ?? digest, body, OCI_MANIFEST);
    expect(res.status).toBe(201);
    return { body, digest, subjectHeader: res.headers.get("oci-subject") };
  }

  beforeAll(async () => {
    server = await startTestServer({ database });
    url = server.url;
    image = await pushImage(url, repo, { tag: "v1" });
    const emptyDigest = await pushBlob(url, repo, "{}");
    const subject = { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length };
    const sbomLayer = Buffer.from('{"sbom":true}');
    sbom = await pushArtifact({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: SBOM,
      config: { mediaType: EMPTY, digest: emptyDigest, size: 2 },
      layers: [
        {
          mediaType: "application/json",
          digest: await pushBlob(url, repo, sbomLayer),
          size: sbomLayer.length,
        },
      ],
      subject,
      annotations: { "org.opencontainers.image.created": "2024-01-01T00:00:00Z", "com.example.kind": "sbom" },
    });
    const sig = Buffer.from("signature bytes");
    signature = await pushArtifact(
      {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: SIGNATURE_CONFIG, digest: emptyDigest, size: 2 },
        layers: [
          { mediaType: "application/octet-stream", digest: await pushBlob(url, repo, sig), size: sig.length },
        ],
        subject,
        annotations: { "com.example.kind": "signature", "com.example.signer": "alice" },
      },
      `${image.digest.replace(":", "-")}.sig`,
    );
  });
  afterAll(() => server.close());

  async function referrers(query = "", path = `/v2/${repo}/referrers/${image.digest}`) {
    const res = await fetch(`${url}${path}${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(OCI_INDEX);
    const body = (await res.json()) as IndexBody;
    expect(body.schemaVersion).toBe(2);
    expect(body.mediaType).toBe(OCI_INDEX);
    return { res, body };
  }

  it("a PUT with a subject answers OCI-Subject", () => {
    expect(sbom.subjectHeader).toBe(image.digest);
    expect(signature.subjectHeader).toBe(image.digest);
  });

  it("lists every referrer with its artifactType and annotations", async () => {
    const { res, body } = await referrers();
    expect(res.headers.get("oci-filters-applied")).toBeNull();
    const byDigest = new Map(body.manifests.map((m) => [m.digest, m]));
    expect(byDigest.size).toBe(2);
    expect(byDigest.get(sbom.digest)).toEqual({
      mediaType: OCI_MANIFEST,
      digest: sbom.digest,
      size: sbom.body.length,
      artifactType: SBOM,
      annotations: { "org.opencontainers.image.created": "2024-01-01T00:00:00Z", "com.example.kind": "sbom" },
    });
    expect(byDigest.get(signature.digest)).toEqual({
      mediaType: OCI_MANIFEST,
      digest: signature.digest,
      size: signature.body.length,
      artifactType: SIGNATURE_CONFIG,
      annotations: { "com.example.kind": "signature", "com.example.signer": "alice" },
    });
  });

  it("?artifactType= filters and says so in OCI-Filters-Applied", async () => {
    for (const [type, expected] of [
      [SBOM, [sbom.digest]],
      [SIGNATURE_CONFIG, [signature.digest]],
      ["application/vnd.example.none", []],
    ] as const) {
      const { res, body } = await referrers(`?artifactType=${encodeURIComponent(type)}`);
      expect(res.headers.get("oci-filters-applied")).toBe("artifactType");
      expect(body.manifests.map((m) => m.digest)).toEqual(expected);
    }
  });

  it("an unknown subject, or an unknown repository, is 200 with an empty list", async () => {
    expect((await referrers("", `/v2/${repo}/referrers/${digestOf("nothing")}`)).body.manifests).toEqual([]);
    expect((await referrers("", `/v2/referrers/none/referrers/${image.digest}`)).body.manifests).toEqual([]);
  });

  it("an invalid digest is 400", async () => {
    const res = await fetch(`${url}/v2/${repo}/referrers/sha256:nothex`);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("DIGEST_INVALID");
  });

  it("pages with n=1 and a Link header that leads to the next page", async () => {
    const seen: string[] = [];
    let next: string | undefined = `${url}/v2/${repo}/referrers/${image.digest}?n=1`;
    for (let pages = 0; next && pages < 5; pages++) {
      const res = await fetch(next);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(OCI_INDEX);
      const body = (await res.json()) as IndexBody;
      expect(body.manifests.length).toBeLessThanOrEqual(1);
      seen.push(...body.manifests.map((m) => m.digest));
      const link = res.headers.get("link");
      if (link) {
        const m = link.match(/^<([^>]+)>;\s*rel="next"$/);
        expect(m).not.toBeNull();
        next = new URL(m![1]!, url).toString();
      } else {
        next = undefined;
      }
    }
    expect(next).toBeUndefined();
    expect(seen.sort()).toEqual([sbom.digest, signature.digest].sort());
  });

  it("n=0 is an empty list, not an error", async () => {
    const { res, body } = await referrers("?n=0");
    expect(body.manifests).toEqual([]);
    expect(res.headers.get("link")).toBeNull();
  });

  it("sha256-<hex>.sig is an ordinary tag", async () => {
    const tag = `${image.digest.replace(":", "-")}.sig`;
    const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(signature.digest);
    expect(Buffer.from(await res.arrayBuffer()).equals(signature.body)).toBe(true);
    const list = (await (await fetch(`${url}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    expect(list.tags).toContain(tag);
  });

  it("an index with a subject is listed too (without artifactType unless it sets one)", async () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [],
        subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length },
        annotations: { "com.example.kind": "index" },
      }),
    );
    const put = await putManifest(url, "referrers/index", digestOf(body), body, OCI_INDEX);
    expect(put.status).toBe(201);
    expect(put.headers.get("oci-subject")).toBe(image.digest);
    const { body: list } = await referrers("", `/v2/referrers/index/referrers/${image.digest}`);
    expect(list.manifests).toEqual([
      {
        mediaType: OCI_INDEX,
        digest: digestOf(body),
        size: body.length,
        annotations: { "com.example.kind": "index" },
      },
    ]);
  });

  it("deleting a referrer removes it from the list", async () => {
    const extra = await pushArtifact({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/vnd.example.temporary",
      config: { mediaType: EMPTY, digest: digestOf("{}"), size: 2 },
      layers: [],
      subject: { mediaType: OCI_MANIFEST, digest: image.digest, size: image.manifest.length },
    });
    expect((await referrers()).body.manifests.map((m) => m.digest)).toContain(extra.digest);
    const del = await fetch(`${url}/v2/${repo}/manifests/${extra.digest}`, { method: "DELETE" });
    expect(del.status).toBe(202);
    expect((await referrers()).body.manifests.map((m) => m.digest)).not.toContain(extra.digest);
  });
});
