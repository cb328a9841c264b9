import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import type { Kysely } from "kysely";
import type { Schema } from "../../storage/index.js";
import { AuthError } from "../errors.js";
import { libtrustKeyId } from "./key-id.js";

export interface SigningKey {
  readonly kid: string;
  readonly algorithm: "ES256";
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * The token service's signing keys. Generated keys live in the database (so every replica signs and
 * verifies with the same ones), their private halves sealed with AES-256-GCM under the key-encryption
 * key (`auth.keyFile`, kept outside the database): a database dump does not reveal them. A key file
 * named by `auth.token.signingKeyFile` (PEM) replaces the generated key, for registries that must be
 * given a certificate for it. Retired keys keep verifying until the longest token could have expired.
 */
export class KeyRing {
  private readonly verifying = new Map<string, KeyObject>();
  private signing: SigningKey | undefined;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly kek: Buffer,
    private readonly options: { readonly signingKeyPem?: string; readonly keepRetiredMs: number },
  ) {
    if (kek.length !== 32) throw new AuthError("INVALID", "the key-encryption key must be 32 bytes");
    if (options.signingKeyPem) {
      const privateKey = createPrivateKey(options.signingKeyPem);
      if (
        privateKey.asymmetricKeyType !== "ec" ||
        privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1"
      ) {
        throw new AuthError("INVALID", "auth.token.signingKeyFile must hold an EC P-256 private key (ES256)");
      }
      const publicKey = createPublicKey(privateKey);
      this.signing = { kid: libtrustKeyId(publicKey), algorithm: "ES256", privateKey, publicKey };
      this.verifying.set(this.signing.kid, publicKey);
    }
  }

  async signingKey(): Promise<SigningKey> {
    if (this.signing) return this.signing;
    const row = await this.db
      .selectFrom("token_keys")
      .selectAll()
      .where("retired_at", "is", null)
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    this.signing = row ? this.unseal(row.kid, row.private_key) : await this.generate();
    this.verifying.set(this.signing.kid, this.signing.publicKey);
    return this.signing;
  }

  /** The public key for `kid`, or undefined when it is unknown or retired too long ago. */
  async verificationKey(kid: string): Promise<KeyObject | undefined> {
    const known = this.verifying.get(kid);
    if (known) return known;
    const row = await this.db
      .selectFrom("token_keys")
      .select(["public_jwk", "retired_at"])
      .where("kid", "=", kid)
      .executeTakeFirst();
    if (!row || (row.retired_at !== null && Number(row.retired_at) + this.options.keepRetiredMs < Date.now()))
      return undefined;
    const key = createPublicKey({ key: JSON.parse(row.public_jwk), format: "jwk" });
    this.verifying.set(kid, key);
    return key;
  }

  /** The public keys that may still verify a token, as a JWK Set. */
  async jwks(): Promise<{ keys: Array<Record<string, unknown>> }> {
    const keys: Array<Record<string, unknown>> = [];
    if (this.options.signingKeyPem && this.signing) {
      keys.push({
        ...this.signing.publicKey.export({ format: "jwk" }),
        kid: this.signing.kid,
        alg: "ES256",
        use: "sig",
      });
    }
    const rows = await this.db
      .selectFrom("token_keys")
      .select(["kid", "public_jwk", "retired_at"])
      .orderBy("created_at", "desc")
      .execute();
    const cutoff = Date.now() - this.options.keepRetiredMs;
    for (const row of rows) {
      if (row.retired_at !== null && Number(row.retired_at) < cutoff) continue;
      keys.push({ ...JSON.parse(row.public_jwk), kid: row.kid, alg: "ES256", use: "sig" });
    }
    return { keys };
  }

  /** Retires the current generated key and starts signing with a new one. */
  async rotate(): Promise<string> {
    await this.db
      .updateTable("token_keys")
      .set({ retired_at: Date.now() })
      .where("retired_at", "is", null)
      .execute();
    this.signing = undefined;
    const key = await this.generate();
    this.signing = this.options.signingKeyPem ? this.signing : key;
    this.verifying.set(key.kid, key.publicKey);
    return key.kid;
  }

  private async generate(): Promise<SigningKey> {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const kid = libtrustKeyId(publicKey);
    await this.db
      .insertInto("token_keys")
      .values({
        kid,
        algorithm: "ES256",
        public_jwk: JSON.stringify(publicKey.export({ format: "jwk" })),
        private_key: this.seal(kid, privateKey.export({ type: "pkcs8", format: "der" })),
        created_at: Date.now(),
        retired_at: null,
      })
      .execute();
    return { kid, algorithm: "ES256", privateKey, publicKey };
  }

  private seal(kid: string, plaintext: Buffer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.kek, iv);
    cipher.setAAD(Buffer.from(kid));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64")}`;
  }

  private unseal(kid: string, stored: string): SigningKey {
    if (!stored.startsWith("v1."))
      throw new AuthError("INVALID", `token key ${kid} is sealed in an unknown format`);
    const raw = Buffer.from(stored.slice(3), "base64");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.kek, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(kid));
      decipher.setAuthTag(raw.subarray(12, 28));
      const der = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
      return { kid, algorithm: "ES256", privateKey, publicKey: createPublicKey(privateKey) };
    } catch (err) {
      throw new AuthError(
        "INVALID",
        `cannot unseal token key ${kid}: auth.keyFile is not the key it was sealed with`,
        { cause: err },
      );
    }
  }
}
