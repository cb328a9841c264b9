import { describe, expect, it } from "vitest";
import { newSecret, signDelivery, verifyDelivery } from "./signature.js";

// The example of the Standard Webhooks specification and its reference libraries' tests
// (github.com/standard-webhooks/standard-webhooks): secret, message id, timestamp, payload, signature.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const PAYLOAD = '{"test": 2432232314}';
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

describe("webhook signatures (Standard Webhooks v1)", () => {
  it("signs the specification's example exactly as its reference libraries do", () => {
    const headers = signDelivery(SECRET, ID, TIMESTAMP, PAYLOAD);
    expect(headers["webhook-signature"]).toBe(SIGNATURE);
    expect(headers["webhook-id"]).toBe(ID);
    expect(headers["webhook-timestamp"]).toBe(String(TIMESTAMP));
    expect(headers["x-portcullis-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("verifies within the tolerance and refuses replays, other bodies and other secrets", () => {
    const headers = { id: ID, timestamp: String(TIMESTAMP), signature: SIGNATURE };
    expect(verifyDelivery(SECRET, headers, PAYLOAD, TIMESTAMP + 10)).toBe(true);
    expect(
      verifyDelivery(SECRET, { ...headers, signature: `v1,bogus ${SIGNATURE}` }, PAYLOAD, TIMESTAMP),
    ).toBe(true);
    expect(verifyDelivery(SECRET, headers, PAYLOAD, TIMESTAMP + 301)).toBe(false);
    expect(verifyDelivery(SECRET, headers, `${PAYLOAD} `, TIMESTAMP)).toBe(false);
    expect(verifyDelivery(SECRET, { ...headers, id: "msg_other" }, PAYLOAD, TIMESTAMP)).toBe(false);
    expect(verifyDelivery(newSecret(), headers, PAYLOAD, TIMESTAMP)).toBe(false);
    expect(
      verifyDelivery(SECRET, { ...headers, signature: SIGNATURE.replace("v1", "v2") }, PAYLOAD, TIMESTAMP),
    ).toBe(false);
  });

  it("makes a new 32-byte secret each time", () => {
    const a = newSecret();
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(32);
    expect(a).not.toBe(newSecret());
  });
});
