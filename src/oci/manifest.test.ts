import { describe, expect, it } from "vitest";
import { digestOf } from "../core/index.js";
import { manifestArtifactType, parseManifest, referencedBlobs, referencedManifests } from "./manifest.js";
import {
  isNonDistributable,
  MEDIA_TYPE_DOCKER_CONFIG,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from "./media-types.js";
import { encode, fixture, fixtureJson } from "./testing/fixtures.js";

const EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

describe("parseManifest on real manifests", () => {
  it("parses an OCI image manifest with subject and annotations", () => {
    const parsed = parseManifest(fixture("oci-image-manifest.json"), MEDIA_TYPE_OCI_MANIFEST);
    expect(parsed).toMatchObject({ mediaType: MEDIA_TYPE_OCI_MANIFEST, kind: "image", schemaVersion: 2 });
    expect(parsed.config).toEqual({
      mediaType: MEDIA_TYPE_OCI_CONFIG,
      digest: "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
      size: 7023,
    });
    expect(parsed.layers.map((layer) => layer.size)).toEqual([32654, 16724, 73109]);
    expect(parsed.manifests).toEqual([]);
    expect(parsed.subject?.digest).toBe(
      "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
    );
    expect(parsed.annotations).toEqual({ "com.example.key1": "value1", "com.example.key2": "value2" });
    expect(referencedBlobs(parsed).map((d) => d.size)).toEqual([7023, 32654, 16724, 73109]);
    expect(referencedManifests(parsed)).toEqual([]);
    expect(manifestArtifactType(parsed)).toBe(MEDIA_TYPE_OCI_CONFIG);
  });

  it("parses an OCI index with platforms", () => {
    const parsed = parseManifest(fixture("oci-index.json"), MEDIA_TYPE_OCI_INDEX);
    expect(parsed.kind).toBe("index");
    expect(parsed.config).toBeUndefined();
    expect(parsed.layers).toEqual([]);
    expect(parsed.manifests.map((m) => m.platform?.architecture)).toEqual(["ppc64le", "amd64", "amd64"]);
    expect(parsed.manifests[2]?.platform).toEqual({
      architecture: "amd64",
      os: "windows",
      "os.version": "10.0.17763.1935",
      "os.features": ["win32k"],
    });
    expect(referencedManifests(parsed)).toHaveLength(3);
    expect(referencedBlobs(parsed)).toEqual([]);
    expect(manifestArtifactType(parsed)).toBeUndefined();
  });

  it("parses a Docker schema 2 manifest", () => {
    const parsed = parseManifest(fixture("docker-v2-manifest.json"), MEDIA_TYPE_DOCKER_MANIFEST);
    expect(parsed).toMatchObject({ mediaType: MEDIA_TYPE_DOCKER_MANIFEST, kind: "image", annotations: {} });
    expect(referencedBlobs(parsed)).toHaveLength(2);
    expect(manifestArtifactType(parsed)).toBe(MEDIA_TYPE_DOCKER_CONFIG);
  });

  it("keeps the urls of Windows foreign layers", () => {
    const parsed = parseManifest(fixture("docker-windows-foreign-manifest.json"), undefined);
    const [foreign, local] = parsed.layers;
    expect(foreign?.urls?.[0]).toMatch(/^https:\/\/mcr\.microsoft\.com\//);
    expect(isNonDistributable(foreign?.mediaType ?? "")).toBe(true);
    expect(isNonDistributable(local?.mediaType ?? "")).toBe(false);
  });

  it("parses a Docker manifest list", () => {
    const parsed = parseManifest(fixture("docker-manifest-list.json"), MEDIA_TYPE_DOCKER_MANIFEST_LIST);
    expect(parsed).toMatchObject({ mediaType: MEDIA_TYPE_DOCKER_MANIFEST_LIST, kind: "index" });
    expect(parsed.manifests.map((m) => m.platform?.variant)).toEqual([undefined, "v7", "v8"]);
  });

  it("parses a Notation signature artifact with an embedded empty config", () => {
    const parsed = parseManifest(fixture("oci-artifact-signature.json"), MEDIA_TYPE_OCI_MANIFEST);
    expect(parsed.artifactType).toBe("application/vnd.cncf.notary.signature");
    expect(manifestArtifactType(parsed)).toBe("application/vnd.cncf.notary.signature");
    expect(parsed.config).toEqual({
      mediaType: MEDIA_TYPE_OCI_EMPTY,
      digest: EMPTY_DIGEST,
      size: 2,
      data: "e30=",
    });
    expect(digestOf(Buffer.from("e30=", "base64"))).toBe(EMPTY_DIGEST);
    expect(parsed.subject?.mediaType).toBe(MEDIA_TYPE_OCI_MANIFEST);
    expect(parsed.annotations["org.opencontainers.image.created"]).toBe("2023-11-02T17:07:33Z");
  });

  it("ignores OCI-only fields on Docker manifests", () => {
    const doc = { ...fixtureJson("docker-v2-manifest.json"), annotations: { a: "b" }, artifactType: "x/y" };
    const parsed = parseManifest(encode(doc), undefined);
    expect(parsed.annotations).toEqual({});
    expect(parsed.artifactType).toBeUndefined();
    expect(parsed.subject).toBeUndefined();
  });

  it("reports the config media type as artifactType even for the empty config (distribution-spec 1.1)", () => {
    const doc = fixtureJson("oci-artifact-signature.json");
    delete doc.artifactType;
    doc.layers = [];
    const parsed = parseManifest(encode(doc), MEDIA_TYPE_OCI_MANIFEST);
    expect(parsed.layers).toEqual([]);
    expect(manifestArtifactType(parsed)).toBe(MEDIA_TYPE_OCI_EMPTY);
  });

  it("keeps a __proto__ annotation as plain data", () => {
    const text = '{"schemaVersion":2,"manifests":[],"annotations":{"__proto__":"x","b":"c"}}';
    const parsed = parseManifest(new TextEncoder().encode(text), undefined);
    expect(Object.keys(parsed.annotations)).toEqual(["__proto__", "b"]);
    expect(Object.getPrototypeOf(parsed.annotations)).toBe(Object.prototype);
  });
});

describe("parseManifest media type", () => {
  const untyped = fixture("oci-manifest-no-mediatype.json");

  it.each([
    [MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_MANIFEST],
    [`${MEDIA_TYPE_OCI_MANIFEST}; charset=utf-8`, MEDIA_TYPE_OCI_MANIFEST],
    [MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST],
    ["APPLICATION/VND.DOCKER.DISTRIBUTION.MANIFEST.V2+JSON", MEDIA_TYPE_DOCKER_MANIFEST],
    ["application/json", MEDIA_TYPE_OCI_MANIFEST],
    ["application/octet-stream", MEDIA_TYPE_OCI_MANIFEST],
    ["", MEDIA_TYPE_OCI_MANIFEST],
    [undefined, MEDIA_TYPE_OCI_MANIFEST],
  ])("types a manifest without mediaType pushed as %j as %s", (contentType, expected) => {
    expect(parseManifest(untyped, contentType).mediaType).toBe(expected);
  });

  it("infers an index from its manifests array", () => {
    const parsed = parseManifest(encode({ schemaVersion: 2, manifests: [] }), "application/json");
    expect(parsed).toMatchObject({ mediaType: MEDIA_TYPE_OCI_INDEX, kind: "index", manifests: [] });
  });

  it("accepts a Content-Type that agrees with the mediaType field", () => {
    const parsed = parseManifest(fixture("oci-index.json"), `${MEDIA_TYPE_OCI_INDEX};charset=utf-8`);
    expect(parsed.mediaType).toBe(MEDIA_TYPE_OCI_INDEX);
  });
});
