import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePolicy } from "../../policy/index.js";
import { type Actor, Registry } from "../../registry/index.js";
import { type Database, MemoryDriver } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { type GeneratedKeyPair, generateKeyPair } from "../../trust/index.js";
import { loadPolicyAnchors } from "../gates/anchors.js";
import { inProcessRegistryReader } from "../gates/registry-reader.js";
import { pushConfigOnlyImage, pushCosignSignature } from "../gates/testing/push-image.js";
import { NO_ANCHOR_VERIFIES, supplyChain, unverifiedReason } from "./supply-chain.js";

const NO_ROOT = "no Sigstore trusted root is configured for keyless signers";

describe("unverifiedReason", () => {
  it("says why when the only signers of the policy could not be used (a keyless one without a root)", () => {
    expect(unverifiedReason(undefined, [NO_ROOT, NO_ROOT])).toBe(NO_ROOT);
  });

  it("says no anchor verifies it when every anchor was usable", () => {
    expect(unverifiedReason(undefined, [])).toBe(NO_ANCHOR_VERIFIES);
    expect(unverifiedReason("SIGNATURE_INVALID: bad", [])).toBe("SIGNATURE_INVALID: bad");
  });

  it("adds the unusable anchors to a failure, since one of them might have verified it", () => {
    expect(unverifiedReason("SIGNATURE_INVALID: bad", [NO_ROOT])).toBe(`SIGNATURE_INVALID: bad; ${NO_ROOT}`);
  });
});

const HOST = "registry.test:5000";
const alice: Actor = { subject: "alice", kind: "user" };
const KEYLESS =
  "{ issuer: https://token.actions.githubusercontent.com, identityRegExp: 'https://github.com/o/.*' }";
const policyOf = (signedBy: string) =>
  parsePolicy(
    `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require: { signedBy: [ ${signedBy} ] }\n`,
    "/policies/pull.yaml",
  );

let keys: GeneratedKeyPair[];
beforeAll(async () => {
  keys = await Promise.all([
    generateKeyPair("pw", { strength: "legacy" }),
    generateKeyPair("pw", { strength: "legacy" }),
  ]);
});

describe.each(databaseTestTargets())("supplyChain's reasons on a stored image ($name)", (target) => {
  let database: Database;
  let registry: Registry;
  let digest: string;

  beforeEach(async () => {
    database = await target.open();
    registry = new Registry({ database, store: new MemoryDriver(), options: { deletion: true } });
    digest = (await pushConfigOnlyImage(registry, "team/app", "v1")).digest;
    await pushCosignSignature(registry, "team/app", digest, keys[0]!, HOST, alice);
  });
  afterEach(async () => {
    await database.close();
  });

  const chain = (signedBy: string, pem: string) =>
    supplyChain(
      inProcessRegistryReader(() => registry, HOST),
      "team/app",
      digest,
      loadPolicyAnchors(policyOf(signedBy), { readFile: () => pem }),
    );

  it("shows ✗ with the reason when the pull policy's only signer is keyless and no trusted root is set", async () => {
    const view = await chain(KEYLESS, keys[0]!.publicKeyPem);
    expect(view.signatures).toEqual([
      expect.objectContaining({ format: "cosign", verified: false, reason: NO_ROOT }),
    ]);
  });

  it("names the key that verified it, with no reason, although a keyless signer is unavailable", async () => {
    const view = await chain(`{ key: release.pub }, ${KEYLESS}`, keys[0]!.publicKeyPem);
    expect(view.signatures).toEqual([
      expect.objectContaining({ verified: true, signer: "key release.pub", reason: null }),
    ]);
  });

  it("gives the failure and the unavailable keyless signer when another key signed it", async () => {
    const view = await chain(`{ key: release.pub }, ${KEYLESS}`, keys[1]!.publicKeyPem);
    const [signature] = view.signatures;
    expect(signature).toMatchObject({ verified: false });
    expect(signature?.reason).toMatch(new RegExp(`^[A-Z_]+.*; ${NO_ROOT}$`));
  });
});
