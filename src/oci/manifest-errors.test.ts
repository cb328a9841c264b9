import { describe, expect, it } from "vitest";
import { parseManifest } from "./manifest.js";
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_SCHEMA1,
  MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from "./media-types.js";
import { errorOf, fixture, imageWith, indexWith, text } from "./testing/fixtures.js";

describe("parseManifest refuses a document", () => {
  it.each<[string, Uint8Array, string | undefined, RegExp]>([
    // Not a JSON object.
    ["that is truncated JSON", text('{"schemaVersion": 2'), undefined, /not valid JSON/],
    ["that is empty", new Uint8Array(), MEDIA_TYPE_OCI_MANIFEST, /not valid JSON/],
    ["that is not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), undefined, /not valid UTF-8/],
    ["with a byte-order mark", text('\ufeff{"schemaVersion":2,"manifests":[]}'), undefined, /not valid JSON/],
    ["that is an array", text("[]"), undefined, /must be a JSON object/],
    ["that is null", text("null"), undefined, /must be a JSON object/],
    ["that is a number", text("2"), undefined, /must be a JSON object/],
    ["that is a string", text('"manifest"'), undefined, /must be a JSON object/],
    // schemaVersion and Docker schema 1.
    [
      "without schemaVersion",
      imageWith((d) => delete d.schemaVersion),
      undefined,
      /schemaVersion: is required/,
    ],
    ["with schemaVersion 3", imageWith((d) => (d.schemaVersion = 3)), undefined, /schemaVersion: must be 2/],
    [
      'with schemaVersion "2"',
      imageWith((d) => (d.schemaVersion = "2")),
      undefined,
      /schemaVersion: must be 2/,
    ],
    [
      "in signed Docker schema 1",
      fixture("docker-schema1-signed.json"),
      MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED,
      /Docker schema 1 manifests are not supported/,
    ],
    ["in schema 1 without Content-Type", fixture("docker-schema1-signed.json"), undefined, /Docker schema 1/],
    [
      "pushed as schema 1",
      imageWith((d) => delete d.mediaType),
      MEDIA_TYPE_DOCKER_SCHEMA1,
      /Docker schema 1/,
    ],
    [
      "typed as schema 1",
      imageWith((d) => (d.mediaType = MEDIA_TYPE_DOCKER_SCHEMA1)),
      undefined,
      /Docker schema 1/,
    ],
    // Media type.
    [
      "whose mediaType disagrees with the Content-Type",
      imageWith(() => {}),
      MEDIA_TYPE_DOCKER_MANIFEST,
      /mediaType "application\/vnd.oci.image.manifest.v1\+json" does not match the Content-Type/,
    ],
    [
      "with a non-string mediaType",
      imageWith((d) => (d.mediaType = 42)),
      undefined,
      /mediaType: must be a string/,
    ],
    [
      "with an empty mediaType",
      imageWith((d) => (d.mediaType = "")),
      undefined,
      /unsupported manifest media type ""/,
    ],
    [
      "in the withdrawn artifact manifest format",
      imageWith((d) => (d.mediaType = "application/vnd.oci.artifact.manifest.v1+json")),
      undefined,
      /unsupported manifest media type "application\/vnd.oci.artifact.manifest.v1\+json"/,
    ],
    [
      "pushed as text/plain",
      imageWith((d) => delete d.mediaType),
      "text/plain",
      /unsupported manifest media type/,
    ],
    ["with no type and no shape", text('{"schemaVersion":2}'), undefined, /cannot determine the media type/],
    [
      "with no type and both shapes",
      imageWith((d) => {
        delete d.mediaType;
        d.manifests = [];
      }),
      "application/json",
      /cannot tell an image manifest from an index/,
    ],
    // Ambiguous documents (CVE-2021-41190) and case variants of fields.
    [
      "that is an image manifest with manifests",
      imageWith((d, config) => (d.manifests = [config])),
      undefined,
      /manifests: not allowed in an image manifest/,
    ],
    [
      "that is an index with layers",
      indexWith((d, manifests) => (d.layers = [manifests[0]])),
      undefined,
      /layers: not allowed in an index/,
    ],
    [
      "that is an index with a config",
      indexWith((d, manifests) => (d.config = manifests[0])),
      MEDIA_TYPE_OCI_INDEX,
      /config: not allowed in an index/,
    ],
    [
      "with a case variant of a field",
      imageWith((d) => (d.Layers = [])),
      undefined,
      /"Layers": differs from the field "layers" only in letter case/,
    ],
    [
      "with a Unicode-folded variant of a field",
      imageWith((d, config) => (d.ſubject = config)),
      undefined,
      /differs from the field "subject"/,
    ],
    // Required fields.
    ["without config", imageWith((d) => delete d.config), MEDIA_TYPE_OCI_MANIFEST, /config: is required/],
    ["without layers", imageWith((d) => delete d.layers), MEDIA_TYPE_OCI_MANIFEST, /layers: is required/],
    ["with layers as an object", imageWith((d) => (d.layers = {})), undefined, /layers: must be an array/],
    ["without manifests", indexWith((d) => delete d.manifests), undefined, /manifests: is required/],
    ["with a null config", imageWith((d) => (d.config = null)), undefined, /config: must be an object/],
    [
      "with non-string annotations",
      imageWith((d) => (d.annotations = { "com.example.n": 1 })),
      undefined,
      /annotations\["com.example.n"\]: must be a string/,
    ],
    [
      "with annotations as an array",
      imageWith((d) => (d.annotations = ["a"])),
      undefined,
      /annotations: must be an object of string values/,
    ],
    [
      "with an invalid artifactType",
      imageWith((d) => (d.artifactType = "signature")),
      undefined,
      /artifactType: must be a media type/,
    ],
    [
      "with an invalid subject",
      imageWith((d) => (d.subject = { mediaType: MEDIA_TYPE_OCI_MANIFEST, digest: "nope", size: 1 })),
      undefined,
      /subject\.digest: invalid digest "nope"/,
    ],
  ])("%s", (_name, bytes, contentType, message) => {
    const err = errorOf(() => parseManifest(bytes, contentType));
    expect(err.code).toBe("MANIFEST_INVALID");
    expect(err.message).toMatch(message);
  });
});
