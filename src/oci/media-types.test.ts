import { describe, expect, it } from "vitest";
import {
  isImageManifestMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isNonDistributable,
  isValidMediaType,
  MANIFEST_MEDIA_TYPES,
  MEDIA_TYPE_DOCKER_FOREIGN_LAYER,
  MEDIA_TYPE_DOCKER_LAYER,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  MEDIA_TYPE_OCI_MANIFEST,
} from "./media-types.js";

describe("media types", () => {
  it("supports exactly the four manifest formats", () => {
    expect([...MANIFEST_MEDIA_TYPES].sort()).toEqual(
      [
        MEDIA_TYPE_OCI_MANIFEST,
        MEDIA_TYPE_OCI_INDEX,
        MEDIA_TYPE_DOCKER_MANIFEST,
        MEDIA_TYPE_DOCKER_MANIFEST_LIST,
      ].sort(),
    );
    for (const mediaType of MANIFEST_MEDIA_TYPES) expect(isManifestMediaType(mediaType)).toBe(true);
    expect(isManifestMediaType(MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED)).toBe(false);
    expect(isManifestMediaType("application/vnd.oci.artifact.manifest.v1+json")).toBe(false);
    expect(isManifestMediaType(`${MEDIA_TYPE_OCI_MANIFEST}; charset=utf-8`)).toBe(false);
  });

  it.each([
    [MEDIA_TYPE_OCI_MANIFEST, true, false],
    [MEDIA_TYPE_DOCKER_MANIFEST, true, false],
    [MEDIA_TYPE_OCI_INDEX, false, true],
    [MEDIA_TYPE_DOCKER_MANIFEST_LIST, false, true],
    [MEDIA_TYPE_OCI_EMPTY, false, false],
  ])("classifies %s", (mediaType, image, index) => {
    expect(isImageManifestMediaType(mediaType)).toBe(image);
    expect(isIndexMediaType(mediaType)).toBe(index);
  });

  it.each([
    [MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE, true],
    [MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP, true],
    [MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_ZSTD, true],
    [MEDIA_TYPE_DOCKER_FOREIGN_LAYER, true],
    [MEDIA_TYPE_OCI_LAYER_GZIP, false],
    [MEDIA_TYPE_DOCKER_LAYER, false],
  ])("isNonDistributable(%s) is %s", (mediaType, expected) => {
    expect(isNonDistributable(mediaType)).toBe(expected);
  });

  it.each([
    ["application/vnd.oci.image.manifest.v1+json", true],
    ["application/vnd.cncf.notary.signature", true],
    ["application/vnd.in-toto+json", true],
    ["text/plain", true],
    ["application/json; charset=utf-8", false],
    ["application", false],
    ["/json", false],
    ["application/", false],
    ["application/json/x", false],
    ["", false],
    [`application/${"x".repeat(127)}`, true],
    [`application/${"x".repeat(128)}`, false],
  ])("isValidMediaType(%j) is %s", (mediaType, expected) => {
    expect(isValidMediaType(mediaType)).toBe(expected);
  });
});
