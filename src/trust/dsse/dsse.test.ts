import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TrustError } from "../errors.js";
import { matchSubject, parseStatement } from "../intoto/statement.js";
import { generateKeyPair } from "../keys/generate.js";
import { loadPublicKey } from "../keys/load.js";
import { envelopePayload, parseEnvelope, serializeEnvelope } from "./envelope.js";
import { preAuthEncoding } from "./pae.js";
import { addEnvelopeSignature, signEnvelope } from "./sign.js";
import { verifyEnvelope } from "./verify.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../testdata/blob-attestation/${name}`, import.meta.url), "utf8");
const cosignKey = loadPublicKey(fixture("pubkey.pem"));
const blobDigest = `sha256:${JSON.parse(fixture("blobs.json")).blobSha256}`;

describe("PAE (DSSE protocol.md)", () => {
  it("matches the specification's test vector", () => {
    expect(preAuthEncoding("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
  });

  it("counts bytes, not characters", () => {
    expect(preAuthEncoding("é", Buffer.from("ü")).toString("utf8")).toBe("DSSEv1 2 é 2 ü");
    expect(preAuthEncoding("", Buffer.alloc(0)).toString()).toBe("DSSEv1 0  0 ");
  });
});

describe("cosign's blob attestations (verify_blob_attestation_test.go)", () => {
  it.each([
    ["blobSLSAProvenanceSignature.dsse.json", true],
    ["dssePredicateMultipleSubjects.dsse.json", true],
    ["dssePredicateEmptySubject.dsse.json", "STATEMENT_INVALID"],
    ["dssePredicateMissingSha256.dsse.json", "DIGEST_MISMATCH"],
    ["dssePredicateMultipleSubjectsInvalid.dsse.json", "DIGEST_MISMATCH"],
  ])("%s → %s", (name, expected) => {
    const envelope = parseEnvelope(fixture(name));
    const verified = verifyEnvelope(envelope, [{ key: cosignKey }]);
    expect(verified.ok).toBe(true);
    const match = matchSubject(parseStatement(envelopePayload(envelope)), blobDigest);
    expect(match.ok ? true : match.reason).toBe(expected);
  });

  it("fails on a tampered payload and on a foreign key", async () => {
    const envelope = parseEnvelope(fixture("blobSLSAProvenanceSignature.dsse.json"));
    const payload = envelopePayload(envelope).toString().replace('"id":"2"', '"id":"3"');
    const tampered = { ...envelope, payload: Buffer.from(payload).toString("base64") };
    expect(verifyEnvelope(tampered, [{ key: cosignKey }])).toMatchObject({
      ok: false,
      reason: "SIGNATURE_MISMATCH",
    });
    const other = await generateKeyPair("", { strength: "legacy" });
    expect(verifyEnvelope(envelope, [{ key: other }])).toMatchObject({
      ok: false,
      reason: "SIGNATURE_MISMATCH",
    });
    const otherType = { ...envelope, payloadType: "application/json" };
    expect(verifyEnvelope(otherType, [{ key: cosignKey }]).ok).toBe(false);
  });
});

describe("signEnvelope / verifyEnvelope", () => {
  it("signs with several keys and honours a threshold", async () => {
    const a = await generateKeyPair("", { strength: "legacy" });
    const b = await generateKeyPair("", { algorithm: "ed25519", strength: "legacy" });
    const c = await generateKeyPair("", { algorithm: "ecdsa-p384", strength: "legacy" });
    const payload = Buffer.from('{"hello":"world"}');
    const one = signEnvelope("application/json", payload, [{ key: a, keyid: "a" }]);
    const two = addEnvelopeSignature(one, { key: b, keyid: "b" }, payload);
    expect(two.signatures.map((s) => s.keyid)).toEqual(["a", "b"]);
    const trusted = [
      { key: a, keyid: "a" },
      { key: b, keyid: "b" },
      { key: c, keyid: "c" },
    ];
    expect(verifyEnvelope(two, trusted, 2)).toMatchObject({ ok: true, verifiedKeyIds: ["a", "b"] });
    expect(verifyEnvelope(two, trusted, 3)).toMatchObject({ ok: false });
    // A keyid hint that names another key is not tried with that key.
    expect(verifyEnvelope(one, [{ key: a, keyid: "z" }])).toMatchObject({ ok: false });
    // The same signature twice does not count twice.
    const dup = { ...one, signatures: [one.signatures[0]!, one.signatures[0]!] };
    expect(verifyEnvelope(dup, [{ key: a }, { key: c }], 2).ok).toBe(false);
    const reparsed = parseEnvelope(serializeEnvelope(two));
    expect(reparsed).toEqual(two);
  });
});

describe("parseEnvelope is strict", () => {
  const good = { payloadType: "t", payload: "aGk=", signatures: [{ sig: "c2ln" }] };
  it.each([
    ["not JSON", "{"],
    ["an array", "[]"],
    ["no payloadType", JSON.stringify({ ...good, payloadType: undefined })],
    ["a numeric payload", JSON.stringify({ ...good, payload: 1 })],
    ["a non-base64 payload", JSON.stringify({ ...good, payload: "not base64!" })],
    ["no signatures", JSON.stringify({ ...good, signatures: [] })],
    ["a signature without sig", JSON.stringify({ ...good, signatures: [{ keyid: "x" }] })],
    ["a non-base64 sig", JSON.stringify({ ...good, signatures: [{ sig: "%%%" }] })],
    ["a numeric keyid", JSON.stringify({ ...good, signatures: [{ sig: "c2ln", keyid: 3 }] })],
    ["bad padding", JSON.stringify({ ...good, payload: "aG=" })],
  ])("refuses %s", (_name, text) => {
    expect(() => parseEnvelope(text)).toThrowError(expect.objectContaining({ code: "ENVELOPE_INVALID" }));
  });

  it("accepts URL-safe and unpadded base64 as the spec allows", () => {
    expect(
      envelopePayload(parseEnvelope({ ...good, payload: "_-8" })).equals(Buffer.from([0xff, 0xef])),
    ).toBe(true);
    expect(envelopePayload(parseEnvelope({ ...good, payload: "aGk" })).toString()).toBe("hi");
  });

  it("never throws anything but a TrustError on garbage (fast-check)", () => {
    const anyJson = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({
          payloadType: fc.oneof(fc.string(), fc.integer()),
          payload: fc.oneof(fc.base64String(), fc.string()),
          signatures: fc.array(
            fc.record({ sig: fc.oneof(fc.base64String(), fc.string()), keyid: fc.option(fc.string()) }),
          ),
        })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(anyJson, (text) => {
        try {
          const env = parseEnvelope(text);
          expect(verifyEnvelope(env, [{ key: cosignKey }]).ok).toBe(false);
        } catch (err) {
          expect(err).toBeInstanceOf(TrustError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
