import { sealSecret, unsealSecret } from "../../core/index.js";
import type { Database } from "../../storage/index.js";
import { AuditError } from "../errors.js";
import { NoteSigner, NoteVerifier } from "../merkle/index.js";

/** The signing key's name, and so the origin line of every checkpoint of the record. */
export const RECORD_KEY_NAME = "portcullis/record";

/**
 * The key that signs the record's checkpoints: an Ed25519 seed kept in `record_keys`, sealed with the
 * key-encryption key (`auth.keyFile`, which exists in anonymous mode too: the record is signed in every
 * mode). The first process to need it generates it; replicas starting together race on the primary
 * key, and every one then uses the row that won. A key file that does not open it is an error, never a
 * reason to make a new key (verifiers pin the old one).
 */
export async function loadRecordSigner(database: Database, kek: Uint8Array): Promise<NoteSigner> {
  const existing = await read(database);
  if (existing) return open(existing, kek);
  const fresh = NoteSigner.generate(RECORD_KEY_NAME);
  const seed = Buffer.from(fresh.toSecretString().split("+").slice(4).join("+"), "base64").subarray(1);
  await database.db
    .insertInto("record_keys")
    .values({
      name: RECORD_KEY_NAME,
      public_key: fresh.verifier.toString(),
      sealed_seed: sealSecret(kek, `record-key:${RECORD_KEY_NAME}`, seed),
      created_at: Date.now(),
    })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  return open((await read(database))!, kek);
}

async function read(database: Database) {
  return database.db
    .selectFrom("record_keys")
    .selectAll()
    .where("name", "=", RECORD_KEY_NAME)
    .executeTakeFirst();
}

function open(row: { name: string; public_key: string; sealed_seed: string }, kek: Uint8Array): NoteSigner {
  const seed = unsealSecret(kek, `record-key:${row.name}`, row.sealed_seed);
  if (!seed) {
    throw new AuditError(
      "INVALID_ARGUMENT",
      "cannot unseal the record's signing key: auth.keyFile is not the key it was sealed with",
    );
  }
  const signer = NoteSigner.fromSeed(row.name, seed);
  if (signer.verifier.toString() !== row.public_key) {
    throw new AuditError("RECORD_DAMAGED", "the record's signing key does not match its stored public key");
  }
  return signer;
}

/** The record's verifier key as stored (no key-encryption key needed), if the record has one yet. */
export async function storedRecordVerifier(database: Database): Promise<NoteVerifier | undefined> {
  const row = await read(database);
  return row ? NoteVerifier.parse(row.public_key) : undefined;
}
