import { describe, expect, it } from "vitest";
import { parseManifest } from "./manifest.js";
import { errorOf, imageWith, indexWith, type Json } from "./testing/fixtures.js";

const platform = (descriptor: Json | undefined): Json => (descriptor?.platform ?? {}) as Json;

describe("parseManifest refuses a descriptor", () => {
  it.each<[string, Uint8Array, RegExp]>([
    [
      "with a short digest",
      imageWith((_d, _c, layers) => (layers[2]!.digest = "sha256:abc")),
      /layers\[2\]\.digest: invalid digest "sha256:abc"/,
    ],
    [
      "with an uppercase digest",
      imageWith((_d, config) => (config.digest = String(config.digest).toUpperCase())),
      /config\.digest: invalid digest/,
    ],
    [
      "with an md5 digest",
      imageWith((_d, _c, layers) => (layers[0]!.digest = `md5:${"a".repeat(32)}`)),
      /layers\[0\]\.digest: unsupported digest algorithm "md5"/,
    ],
    [
      "without digest",
      imageWith((_d, _c, layers) => delete layers[1]!.digest),
      /layers\[1\]\.digest: is required/,
    ],
    [
      "with a negative size",
      imageWith((_d, _c, layers) => (layers[0]!.size = -1)),
      /layers\[0\]\.size: must be a non-negative integer/,
    ],
    [
      "with a fractional size",
      imageWith((_d, config) => (config.size = 1.5)),
      /config\.size: must be a non-negative integer/,
    ],
    [
      "with a size beyond 2^53-1",
      imageWith((_d, config) => (config.size = 2 ** 53)),
      /config\.size: must be a non-negative integer/,
    ],
    [
      "with a string size",
      imageWith((_d, config) => (config.size = "7023")),
      /config\.size: must be a number/,
    ],
    [
      "with an empty mediaType",
      imageWith((_d, _c, layers) => (layers[0]!.mediaType = "")),
      /layers\[0\]\.mediaType: must be a media type/,
    ],
    [
      "with media type parameters",
      imageWith((_d, config) => (config.mediaType = "application/json; charset=utf-8")),
      /config\.mediaType: must be a media type/,
    ],
    [
      "without mediaType",
      imageWith((_d, _c, layers) => delete layers[0]!.mediaType),
      /layers\[0\]\.mediaType: is required/,
    ],
    [
      "with null annotations",
      imageWith((_d, _c, layers) => (layers[0]!.annotations = null)),
      /layers\[0\]\.annotations: must be an object/,
    ],
    [
      "with urls that are not strings",
      imageWith((_d, _c, layers) => (layers[0]!.urls = [1])),
      /layers\[0\]\.urls\[0\]: must be a string/,
    ],
    [
      "with an invalid artifactType",
      indexWith((_d, manifests) => (manifests[0]!.artifactType = "")),
      /manifests\[0\]\.artifactType: must be a media type/,
    ],
    [
      "with a platform without os",
      indexWith((_d, manifests) => delete platform(manifests[0]).os),
      /manifests\[0\]\.platform\.os: is required/,
    ],
    [
      "with a numeric os.version",
      indexWith((_d, manifests) => (platform(manifests[2])["os.version"] = 10)),
      /manifests\[2\]\.platform\["os.version"\]: must be a string/,
    ],
    [
      "with a case variant of a field",
      imageWith((_d, config) => (config.Digest = config.digest)),
      /config\.Digest: differs from the field "digest"/,
    ],
    [
      "with a case variant of a platform field",
      indexWith((_d, manifests) => (platform(manifests[0]).OS = "windows")),
      /manifests\[0\]\.platform\.OS: differs from the field "os"/,
    ],
    [
      "that is a string",
      indexWith((d, manifests) => (d.manifests = [manifests[0], "sha256:abc"])),
      /manifests\[1\]: must be an object/,
    ],
    [
      "with data that is not base64",
      imageWith((_d, config) => (config.data = "e30")),
      /config\.data: must be standard base64/,
    ],
    [
      "with data of the wrong size",
      imageWith((_d, config) => (config.data = "e30=")),
      /config\.data: decodes to 2 bytes but size is 7023/,
    ],
    [
      "with data that does not match the digest",
      imageWith((_d, config) => Object.assign(config, { data: "W10=", size: 2 })),
      /config\.data: does not match the descriptor's digest/,
    ],
  ])("%s", (_name, bytes, message) => {
    const err = errorOf(() => parseManifest(bytes, undefined));
    expect(err.code).toBe("MANIFEST_INVALID");
    expect(err.message).toMatch(message);
  });

  it("lists every problem in the error detail", () => {
    const bytes = imageWith((_d, config, layers) => {
      layers[0]!.digest = "x";
      layers[1]!.size = -5;
      config.mediaType = 7;
    });
    const err = errorOf(() => parseManifest(bytes, undefined));
    expect(err.message).toMatch(/\(and 2 more problems\)$/);
    expect(err.detail).toEqual({
      problems: expect.arrayContaining([
        { path: "config.mediaType", message: "must be a string" },
        { path: "layers[0].digest", message: 'invalid digest "x"' },
        { path: "layers[1].size", message: "must be a non-negative integer (at most 2^53-1)" },
      ]),
    });
  });
});
