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

/** How long a key read from the database is trusted before it is read again (its retirement). */
const DEFAULT_RECHECK_MS = 30_000;

interface KnownKey {
  readonly key: KeyObject;
  /** When it stops verifying (retired_at + keepRetiredMs); undefined while it is not retired. */
  readonly until: number | undefined;
  readonly checkedAt: number;
}

/**
 * The token service's signing keys. Generated keys live in the database (so every replica signs and
 * verifies with the same ones), their private halves sealed with AES-256-GCM under the key-encryption
 * key (`auth.keyFile`, kept outside the database): a database dump does not reveal them. A key file
 * named by `auth.token.signingKeyFile` (PEM) replaces the generated key, for registries that must be
 * given a certificate for it; such a key is rotated by replacing the file, not by `rotate()`.
 *
 * Retired keys keep verifying until the longest token could have expired, and no longer: keys read
 * from the database are read again every 30 s (`recheckMs`), so a key rotated out on another replica (perhaps because
 * it leaked) stops signing and, once its grace ends, verifying here too.
 */
export class KeyRing {
  private readonly verifying = new Map<string, KnownKey>();
  private readonly fileKey: SigningKey | undefined;
  private signing: { readonly key: SigningKey; readonly checkedAt: number } | undefined;
  private loading: Promise<SigningKey> | undefined;
  private readonly rotated = new Set<() => void>();

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly kek: Buffer,
    private readonly options: {
      readonly signingKeyPem?: string;
      readonly keepRetiredMs: number;
      /**
       * How long a key read from the database is trusted before it is read again (30 s): how soon a
       * rotation or a retirement on another replica is seen here. Tests shorten it.
       */
      readonly recheckMs?: number;
      readonly now?: () => number;
    },
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
      this.fileKey = { kid: libtrustKeyId(publicKey), algorithm: "ES256", privateKey, publicKey };
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private get recheckMs(): number {
    return this.options.recheckMs ?? DEFAULT_RECHECK_MS;
  }

  async signingKey(): Promise<SigningKey> {
    if (this.fileKey) return this.fileKey;
    if (this.signing && this.now() - this.signing.checkedAt < this.recheckMs) return this.signing.key;
    // One read at a time: concurrent first requests must not each generate a key.
    this.loading ??= this.loadSigningKey().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadSigningKey(): Promise<SigningKey> {
    const now = this.now();
    const row = await this.db
      .selectFrom("token_keys")
      .select(["kid", "private_key"])
      .where("retired_at", "is", null)
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    const key =
      row?.kid === this.signing?.key.kid && this.signing
        ? this.signing.key
        : row
          ? this.unseal(row.kid, row.private_key)
          : await this.generate();
    this.signing = { key, checkedAt: now };
    return key;
  }

  /** The public key for `kid`, or undefined when it is unknown or retired too long ago. */
  async verificationKey(kid: string): Promise<KeyObject | undefined> {
    if (this.fileKey && kid === this.fileKey.kid) return this.fileKey.publicKey;
    const now = this.now();
    let known = this.verifying.get(kid);
    if (!known || now - known.checkedAt >= this.recheckMs) {
      const row = await this.db
        .selectFrom("token_keys")
        .select(["public_jwk", "retired_at"])
        .where("kid", "=", kid)
        .executeTakeFirst();
      if (!row) {
        this.verifying.delete(kid);
        return undefined;
      }
      known = {
        key: known?.key ?? createPublicKey({ key: JSON.parse(row.public_jwk), format: "jwk" }),
        until: row.retired_at === null ? undefined : Number(row.retired_at) + this.options.keepRetiredMs,
        checkedAt: now,
      };
      this.verifying.set(kid, known);
    }
    return known.until === undefined || known.until > now ? known.key : undefined;
  }

  /** The public keys that may still verify a token, as a JWK Set. */
  async jwks(): Promise<{ keys: Array<Record<string, unknown>> }> {
    const keys: Array<Record<string, unknown>> = [];
    if (this.fileKey) {
      keys.push({
        ...this.fileKey.publicKey.export({ format: "jwk" }),
        kid: this.fileKey.kid,
        alg: "ES256",
        use: "sig",
      });
    }
    const rows = await this.db
      .selectFrom("token_keys")
      .select(["kid", "public_jwk", "retired_at"])
      .orderBy("created_at", "desc")
      .execute();
    const cutoff = this.now() - this.options.keepRetiredMs;
    for (const row of rows) {
      if (row.retired_at !== null && Number(row.retired_at) < cutoff) continue;
      keys.push({ ...JSON.parse(row.public_jwk), kid: row.kid, alg: "ES256", use: "sig" });
    }
    return { keys };
  }

  /**
   * Retires every generated key and starts signing with a new one; tokens of the retired keys verify
   * for `keepRetiredMs` more. Refused when the signing key comes from auth.token.signingKeyFile.
   */
  async rotate(): Promise<string> {
    if (this.fileKey) {
      throw new AuthError(
        "INVALID",
        "tokens are signed with the key of auth.token.signingKeyFile: rotate it by replacing that file (and the certificate registries trust) and restarting",
      );
    }
    await this.db
      .updateTable("token_keys")
      .set({ retired_at: this.now() })
      .where("retired_at", "is", null)
      .execute();
    // Forget what was read: the retired keys' grace starts now, here as on other replicas.
    this.verifying.clear();
    const key = await this.generate();
    this.signing = { key, checkedAt: this.now() };
    for (const listener of this.rotated) listener();
    return key.kid;
  }

  /** Called after this process rotated the keys (app/ tells the other replicas, which `forget()`). */
  onRotated(listener: () => void): () => void {
    this.rotated.add(listener);
    return () => this.rotated.delete(listener);
  }

  /**
   * Drops the keys read from the database: another replica rotated them, so the next token is signed
   * with the new key and the retired ones' grace is read again, without waiting for `recheckMs`.
   */
  forget(): void {
    this.verifying.clear();
    this.signing = undefined;
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
        created_at: this.now(),
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
