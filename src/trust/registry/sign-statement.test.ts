import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseStatement } from "../intoto/statement.js";
import { buildReferrer } from "./referrer.js";
import { buildSignStatement, PREDICATE_TYPE_COSIGN_SIGN, signSubjectOf } from "./sign-statement.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("cosign sign/v1 statements", () => {
  it("name the image and carry the annotations on the subject", () => {
    const bytes = buildSignStatement("registry.example/app", DIGEST, { env: "prod" });
    const statement = parseStatement(bytes);
    expect(statement.predicateType).toBe(PREDICATE_TYPE_COSIGN_SIGN);
    expect(statement.subject).toEqual([{ name: "registry.example/app", digest: { sha256: "a".repeat(64) } }]);
    expect(signSubjectOf(bytes, DIGEST)).toEqual({
      name: "registry.example/app",
      annotations: { env: "prod" },
    });
    expect(signSubjectOf(bytes, `sha256:${"b".repeat(64)}`)).toBeUndefined();
    expect(signSubjectOf(Buffer.from("not json"), DIGEST)).toBeUndefined();
  });
});

describe("buildReferrer", () => {
  it("follows cosign's BUNDLE_SPEC layout", () => {
    const blob = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
    const subject = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: DIGEST, size: 10 };
    const artifact = buildReferrer(blob, "application/vnd.dev.sigstore.bundle.v0.3+json", subject, {
      "dev.sigstore.bundle.content": "dsse-envelope",
    });
    const manifest = JSON.parse(artifact.manifest.toString("utf8"));
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      config: {
        mediaType: "application/vnd.oci.empty.v1+json",
        digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        size: 2,
      },
      layers: [
        {
          mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
          digest: `sha256:${createHash("sha256").update(blob).digest("hex")}`,
          size: blob.length,
        },
      ],
      subject,
      annotations: { "dev.sigstore.bundle.content": "dsse-envelope" },
    });
    expect(artifact.descriptor).toMatchObject({
      digest: artifact.digest,
      size: artifact.manifest.length,
      artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    });
  });
});
