import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures, following Standard Webhooks (https://www.standardwebhooks.com, spec v1):
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`, with a secret `whsec_<base64 key>`. The id and timestamp inside the MAC let a
 * receiver refuse replays (an old timestamp, an id seen before). For receivers that check only the
 * body, `X-Portcullis-Signature: sha256=<hex HMAC-SHA256 of the body>` is sent too, with the same key.
 */
export const SECRET_PREFIX = "whsec_";

/** A new signing secret: 32 random bytes, as Standard Webhooks writes one. */
export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

/** The HMAC key a secret stands for (the bytes after `whsec_`). */
export function secretKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    "base64",
  );
}

export type SignedHeaders = {
  readonly "webhook-id": string;
  readonly "webhook-timestamp": string;
  readonly "webhook-signature": string;
  readonly "x-portcullis-signature": string;
};

export function signDelivery(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  const key = secretKey(secret);
  const standard = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
  const plain = createHmac("sha256", key).update(body).digest("hex");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${standard}`,
    "x-portcullis-signature": `sha256=${plain}`,
  };
}

/**
 * A receiver's check of the Standard Webhooks signature (tests, and the README's example): true when one
 * of the space-separated `v1,` signatures matches and the timestamp is within `toleranceSeconds` of now.
 */
export function verifyDelivery(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secretKey(secret))
    .update(`${headers.id}.${timestamp}.${body}`)
    .digest();
  return headers.signature.split(" ").some((part) => {
    const [version, value] = part.split(",", 2);
    if (version !== "v1" || value === undefined) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
