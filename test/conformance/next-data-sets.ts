import { digestOf } from "../../src/server/testing.js";
import {
  AMD64,
  ARM64,
  EMPTY_JSON,
  EXAMPLE_1,
  EXAMPLE_2,
  type GenOptions,
  OCTET_STREAM,
  TestData,
} from "./next-data-gen.js";

/**
 * The development suite's data sets (run.go GenerateData at 967efdc), in its order, each built as the
 * suite builds it. Left out: "sparse" (descriptors naming content never pushed; off by default in the
 * suite, and Portcullis refuses such a push on purpose: every descriptor must name stored content) and
 * "read-only" (the user's own data).
 */

const GREETING = { "org.opencontainers.conformance": "hello conformance test" };
const EMPTY_CONFIG: GenOptions = {
  configMediaType: EMPTY_JSON,
  configBytes: Buffer.from("{}"),
  layerCount: 1,
};

function set(name: string, build: (td: TestData) => void): TestData {
  const td = new TestData(name);
  build(td);
  return td;
}

export function dataSets(): TestData[] {
  return [
    set("image", (td) => td.genManifestFull({ tag: "image" })),
    set("image-uncompressed", (td) => td.genManifestFull({ tag: "image-uncompressed", uncompressed: true })),
    set("large-manifest", (td) => {
      // 390 annotations of 10,000 bytes: a manifest just under the 4 MiB the spec asks registries to take.
      const annotations: Record<string, string> = {};
      for (let i = 0; i < 390; i++) annotations[`large-annotation-${i}`] = "A".repeat(10_000);
      td.genManifestFull({ tag: "large-manifest", annotations });
    }),
    set("index", (td) => td.genIndexFull({ tag: "index", platforms: [AMD64, ARM64] })),
    set("nested-index", (td) => {
      const first = td.genIndexFull({});
      const second = td.genIndexFull({});
      td.genIndex([undefined, undefined], [first, second], { tag: "index-of-index" });
    }),
    set("empty-index", (td) => td.genIndexFull({ tag: "index", platforms: [] })),
    set("artifact", (td) =>
      td.genManifestFull({
        ...EMPTY_CONFIG,
        tag: "artifact",
        artifactType: EXAMPLE_1,
        layerMediaType: EXAMPLE_1,
      }),
    ),
    set("artifact-index", (td) =>
      td.genIndexFull({
        ...EMPTY_CONFIG,
        tag: "artifact-index",
        artifactType: EXAMPLE_1,
        layerMediaType: EXAMPLE_1,
      }),
    ),
    set("artifact-without-layers", (td) =>
      td.genManifestFull({
        ...EMPTY_CONFIG,
        tag: "artifact-without-layers",
        artifactType: EXAMPLE_1,
        layerBytes: Buffer.from("{}"),
        layerMediaType: EMPTY_JSON,
      }),
    ),
    set("artifacts-with-subject", (td) => {
      const subject = td.desc.get(td.genManifestFull({ tag: "image" }))!;
      td.genManifestFull({ subject });
      const artifact = { ...EMPTY_CONFIG, annotations: GREETING, annotationUniq: true, subject };
      td.genManifestFull({
        ...artifact,
        artifactType: EXAMPLE_1,
        layerMediaType: EXAMPLE_1,
        tag: "tagged-artifact1",
      });
      td.genManifestFull({
        ...artifact,
        artifactType: EXAMPLE_2,
        layerMediaType: OCTET_STREAM,
        tag: "tagged-artifact2",
      });
    }),
    set("index-with-subject", (td) => {
      const subject = td.desc.get(td.genIndexFull({ tag: "index" }))!;
      td.genIndexFull({
        ...EMPTY_CONFIG,
        artifactType: EXAMPLE_1,
        annotations: GREETING,
        annotationUniq: true,
        layerMediaType: EXAMPLE_1,
        subject,
        tag: "tagged-artifact",
      });
    }),
    set("missing-subject", (td) => {
      const subject = {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        size: 123,
        digest: digestOf("missing content"),
      };
      td.genManifestFull({
        ...EMPTY_CONFIG,
        artifactType: EXAMPLE_1,
        annotations: GREETING,
        annotationUniq: true,
        layerMediaType: EXAMPLE_1,
        subject,
        tag: "tagged-artifact",
      });
    }),
    set("data-field", (td) => td.genManifestFull({ tag: "data-field", setData: true })),
    set("non-distributable-layers", (td) => {
      // Two layers only named (fetched from their URLs, never pushed), one ordinary layer.
      const foreign = (n: number, mediaType: string, size: number) => {
        const digest = digestOf(`${td.name} foreign ${n}`);
        return {
          mediaType,
          digest,
          size,
          urls: [`https://store.example.com/blobs/sha256/${digest.slice(7)}`],
        };
      };
      const first = foreign(0, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", 123456);
      const second = foreign(1, "application/vnd.oci.image.layer.nondistributable.v1.tar", 12345);
      const third = td.genLayer(1, {});
      const config = td.genConfig(AMD64, [digestOf(`${td.name} diff 0`), second.digest, third.diffId], {});
      td.genManifest(td.desc.get(config)!, [first, second, td.desc.get(third.digest)!], {
        tag: "non-distributable-image",
      });
    }),
    set("custom-fields", (td) => td.genIndexFull({ tag: "custom-fields", extraField: true })),
    set("no-layers", (td) => td.genManifestFull({ tag: "no-layers", layerCount: 0 })),
    set("sha512", (td) => td.genIndexFull({ algorithm: "sha512" })),
    ...(["sha256", "sha512"] as const).map((algorithm) =>
      set(`tag-param-${algorithm}`, (td) => {
        td.genIndexFull({ tag: `tag-param-${algorithm}`, algorithm });
        td.tagParam = true;
        for (const [i, digest] of td.manOrder.entries()) td.tags.set(`tag-param-${algorithm}-${i}`, digest);
      }),
    ),
    set("bad-digest-image", (td) => {
      const digest = td.genManifestFull({});
      td.manifests.set(digest, Buffer.concat([td.manifests.get(digest)!, Buffer.from("  ")]));
      td.badDigest.add(digest);
    }),
  ];
}
