import { describe, expect, it } from "vitest";
import {
  buildSimpleSigningPayload,
  checkSimpleSigningPayload,
  parseSimpleSigningPayload,
} from "./simple-signing.js";

const digest = "sha256:234e2c830c2fb31ac5671789d22adfe44d30c3ee831d01beae5e237841a13122";
const ref = "ghcr.io/slsa-framework/example-package";

describe("cosign simple signing payload", () => {
  it("is byte-identical to what cosign marshals", () => {
    expect(buildSimpleSigningPayload({ dockerReference: ref, manifestDigest: digest }).toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"${ref}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(
      buildSimpleSigningPayload({
        dockerReference: ref,
        manifestDigest: digest,
        annotations: { a: "b" },
      }).toString(),
    ).toContain('"optional":{"a":"b"}');
  });

  it("round-trips", () => {
    const payload = { dockerReference: ref, manifestDigest: digest, annotations: { env: "prod" } };
    expect(parseSimpleSigningPayload(buildSimpleSigningPayload(payload))).toEqual(payload);
  });

  it.each([
    ["not JSON", "{"],
    ["no critical", "{}"],
    [
      "a wrong type",
      JSON.stringify({
        critical: {
          identity: { "docker-reference": ref },
          image: { "docker-manifest-digest": digest },
          type: "x",
        },
      }),
    ],
    [
      "no identity",
      JSON.stringify({
        critical: { image: { "docker-manifest-digest": digest }, type: "cosign container image signature" },
      }),
    ],
    [
      "a bad digest",
      JSON.stringify({
        critical: {
          identity: { "docker-reference": ref },
          image: { "docker-manifest-digest": "sha256:zz" },
          type: "cosign container image signature",
        },
      }),
    ],
    [
      "optional as a string",
      JSON.stringify({
        critical: {
          identity: { "docker-reference": ref },
          image: { "docker-manifest-digest": digest },
          type: "cosign container image signature",
        },
        optional: "x",
      }),
    ],
  ])("refuses %s with PAYLOAD_INVALID", (_n, text) => {
    expect(() => parseSimpleSigningPayload(text)).toThrowError(
      expect.objectContaining({ code: "PAYLOAD_INVALID" }),
    );
    expect(checkSimpleSigningPayload(text, { digest })).toMatchObject({
      ok: false,
      reason: "PAYLOAD_INVALID",
    });
  });

  it("fails for another digest and flags another repository without failing", () => {
    const bytes = buildSimpleSigningPayload({ dockerReference: ref, manifestDigest: digest });
    expect(checkSimpleSigningPayload(bytes, { digest: `sha256:${"0".repeat(64)}` })).toMatchObject({
      ok: false,
      reason: "DIGEST_MISMATCH",
    });
    expect(checkSimpleSigningPayload(bytes, { digest, dockerReference: `${ref}:v1` })).toMatchObject({
      ok: true,
      referenceMatches: true,
    });
    expect(checkSimpleSigningPayload(bytes, { digest, dockerReference: "ghcr.io/evil/copy" })).toMatchObject({
      ok: true,
      referenceMatches: false,
    });
    expect(checkSimpleSigningPayload(bytes, { digest })).toMatchObject({
      ok: true,
      referenceMatches: undefined,
    });
    const hub = buildSimpleSigningPayload({
      dockerReference: "index.docker.io/library/alpine",
      manifestDigest: digest,
    });
    expect(checkSimpleSigningPayload(hub, { digest, dockerReference: "alpine" })).toMatchObject({
      referenceMatches: true,
    });
  });
});
