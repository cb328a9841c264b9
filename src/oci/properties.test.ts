import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OciError } from "./errors.js";
import { parseManifest } from "./manifest.js";
import { MANIFEST_MEDIA_TYPES, MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED } from "./media-types.js";
import {
  checkRepositoryName,
  checkTag,
  isValidRepositoryName,
  isValidTag,
  parseManifestReference,
} from "./names.js";
import { formatImageReference, parseImageReference } from "./reference.js";

const RUNS = { numRuns: 1000 };

/** Runs `fn`, letting through only OciErrors: anything else is a parser bug. */
function onlyOciErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof OciError)) throw err;
  }
}

/** The distribution spec's name grammar, as a (slow but simple) oracle. */
const NAME_GRAMMAR = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const separator = fc.oneof(fc.constantFrom(".", "_", "__"), fc.stringMatching(/^-{1,3}$/));
const component = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([sep, part]) => sep + part).join(""));
const repositoryName = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));
const tag = fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/);
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);

const label = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/);
/** Hosts that read as registries (a single label needs a port to do so). */
const port = fc.integer({ min: 1, max: 65535 });
const registry = fc.oneof(
  fc
    .tuple(
      fc.oneof(
        fc.array(label, { minLength: 2, maxLength: 3 }).map((labels) => labels.join(".")),
        fc.constantFrom("localhost", "docker.io", "index.docker.io", "[::1]", "[2001:db8::1]"),
      ),
      fc.option(port, { nil: undefined }),
    )
    .map(([h, p]) => (p === undefined ? h : `${h}:${p}`)),
  fc.tuple(label, port).map(([h, p]) => `${h}:${p}`),
);
const imageReference = fc
  .tuple(
    fc.option(registry, { nil: undefined }),
    repositoryName,
    fc.option(tag, { nil: undefined }),
    fc.option(digest, { nil: undefined }),
  )
  // Without a registry, a first component with a "." would itself be read as the registry.
  .filter(([r, name]) => r !== undefined || !name.includes("/") || !name.split("/")[0]?.includes("."))
  .map(
    ([r, name, t, d]) =>
      `${r === undefined ? "" : `${r}/`}${name}${t === undefined ? "" : `:${t}`}${d === undefined ? "" : `@${d}`}`,
  );

/** Strings over the characters that matter to names and references. */
const referenceish = fc.string({
  unit: fc.constantFrom(..."aAz09._-/:@[]".split(""), "sha256:", "localhost", "docker.io"),
  maxLength: 60,
});

describe("properties", () => {
  it("names: generated names are valid and agree with the spec grammar", () => {
    fc.assert(
      fc.property(repositoryName, (name) => {
        expect(isValidRepositoryName(name)).toBe(true);
        expect(checkRepositoryName(name)).toBe(name);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.oneof(referenceish, fc.string()), (s) => {
        expect(isValidRepositoryName(s)).toBe(s.length <= 255 && NAME_GRAMMAR.test(s));
      }),
      RUNS,
    );
  });

  it("tags: generated tags are valid manifest references", () => {
    fc.assert(
      fc.property(tag, (t) => {
        expect(isValidTag(t)).toBe(true);
        expect(parseManifestReference(t)).toEqual({ kind: "tag", tag: t });
      }),
      RUNS,
    );
  });

  it("name, tag and reference parsers throw nothing but OciError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), referenceish, fc.string({ unit: "grapheme" })), (s) => {
        onlyOciErrors(() => checkRepositoryName(s));
        onlyOciErrors(() => checkTag(s));
        onlyOciErrors(() => parseManifestReference(s));
        onlyOciErrors(() => parseImageReference(s));
      }),
      RUNS,
    );
  });

  it("references: generated references parse, and formatting is stable", () => {
    fc.assert(
      fc.property(imageReference, (input) => {
        const ref = parseImageReference(input);
        expect(isValidRepositoryName(ref.repository)).toBe(true);
        const formatted = formatImageReference(ref);
        expect(parseImageReference(formatted)).toEqual(ref);
        expect(formatImageReference(parseImageReference(formatted))).toBe(formatted);
      }),
      RUNS,
    );
  });

  it("references: whatever parses formats to something that parses the same", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          referenceish,
          imageReference.map((s) => s.toLowerCase()),
        ),
        (input) => {
          let ref: ReturnType<typeof parseImageReference>;
          try {
            ref = parseImageReference(input);
          } catch (err) {
            if (err instanceof OciError) return;
            throw err;
          }
          expect(parseImageReference(formatImageReference(ref))).toEqual(ref);
        },
      ),
      RUNS,
    );
  });

  const contentType = fc.option(
    fc.oneof(
      fc.constantFrom(...MANIFEST_MEDIA_TYPES, MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED, "application/json"),
      fc.string(),
    ),
    { nil: undefined },
  );

  it("manifests: arbitrary bytes and JSON throw nothing but OciError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), contentType, (bytes, ct) => {
        onlyOciErrors(() => parseManifest(bytes, ct));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.json(), contentType, (json, ct) => {
        onlyOciErrors(() => parseManifest(new TextEncoder().encode(json), ct));
      }),
      RUNS,
    );
  });

  it("manifests: manifest-shaped documents throw nothing but OciError", () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(2, "sha256:", ...MANIFEST_MEDIA_TYPES),
    );
    const descriptor = fc.record(
      {
        mediaType: fc.oneof(value, fc.constantFrom("application/vnd.oci.empty.v1+json", "a/b")),
        digest: fc.oneof(value, digest),
        size: fc.oneof(value, fc.nat(), fc.constant(2)),
        data: fc.oneof(value, fc.constantFrom("e30=", "", "====")),
        platform: fc.oneof(value, fc.record({ os: value, architecture: value })),
        annotations: fc.oneof(value, fc.dictionary(fc.string(), value)),
      },
      { requiredKeys: [] },
    );
    const field = fc.oneof(value, descriptor, fc.array(descriptor, { maxLength: 3 }));
    const document = fc.dictionary(
      fc.constantFrom(
        "schemaVersion",
        "mediaType",
        "config",
        "layers",
        "manifests",
        "subject",
        "annotations",
        "artifactType",
        "fsLayers",
        "Layers",
      ),
      field,
    );
    fc.assert(
      fc.property(document, contentType, (doc, ct) => {
        onlyOciErrors(() =>
          parseManifest(new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, ...doc })), ct),
        );
      }),
      RUNS,
    );
  });
});
