import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { until } from "../../../test/support/until.js";
import { dropTestSchema } from "../../storage/testing.js";
import { type InProcessReplica, startInProcessReplica, stopInProcessReplicas } from "../testing.js";

/**
 * Token key rotation across replicas: two servers in accounts mode over one PostgreSQL schema and one
 * key-encryption key file, as two `serve` processes behind a load balancer run. A key rotated on A
 * verifies on B at once (an unknown kid is looked up), B signs with it once it reads the keys again,
 * the retired key's tokens keep verifying on both, and a retirement whose grace has ended stops them on
 * B too. The reload interval is shortened (the default is 30 s) and the test waits for each state.
 */
const postgres = process.env.PORTCULLIS_TEST_POSTGRES;
const RECHECK_MS = 200;

type Replica = InProcessReplica;

const ADMIN = `Basic ${Buffer.from("admin:replica admin password").toString("base64")}`;

const kidOf = (jwt: string): string =>
  (JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString("utf8")) as { kid: string }).kid;

async function tokenFrom(replica: Replica): Promise<string> {
  const res = await fetch(`${replica.url}/token?service=portcullis&scope=repository:team/app:pull`, {
    headers: { authorization: ADMIN },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** The status of a pull-side request with the token: 404 (no such repository yet) when it is accepted. */
async function statusWith(replica: Replica, token: string): Promise<number> {
  const res = await fetch(`${replica.url}/v2/team/app/tags/list`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  return res.status;
}

describe.skipIf(unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined))(
  "token key rotation on two replicas",
  () => {
    const schema = `keys_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
    let root: string;
    let a: Replica;
    let b: Replica;

    const start = (): Promise<Replica> =>
      startInProcessReplica({ postgres: postgres!, schema, root, platform: { keyRecheckMs: RECHECK_MS } });

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), "portcullis-key-replicas-"));
      a = await start();
      b = await start();
      await a.platform.identity!.store.createUser({
        name: "admin",
        password: "replica admin password",
        admin: true,
      });
    }, 60_000);

    afterAll(async () => {
      await stopInProcessReplicas([a, b]);
      if (a) await dropTestSchema(postgres!, schema);
      await rm(root, { recursive: true, force: true });
    });

    it("moves B to the key rotated on A without a restart, and keeps the old key verifying", async () => {
      const old = await tokenFrom(a);
      const oldKid = kidOf(old);
      // Both replicas unseal the same key with the shared KEK: B signs with it and verifies A's tokens.
      expect(kidOf(await tokenFrom(b))).toBe(oldKid);
      expect(await statusWith(b, old)).toBe(404);

      const rotated = await fetch(`${a.url}/api/v1/keys/rotate`, {
        method: "POST",
        headers: { authorization: ADMIN },
      });
      expect(rotated.status).toBe(200);
      const { kid: newKid } = (await rotated.json()) as { kid: string };
      expect(newKid).not.toBe(oldKid);

      // A signs with the new key at once, and B verifies its tokens at once (an unknown kid is read).
      const fresh = await tokenFrom(a);
      expect(kidOf(fresh)).toBe(newKid);
      expect(await statusWith(b, fresh)).toBe(404);
      // B signs with the new key once it has read the keys again: no restart, no 30 s wait.
      await until("B signs with the rotated key", async () => kidOf(await tokenFrom(b)) === newKid, {
        everyMs: 25,
      });
      expect(await statusWith(a, await tokenFrom(b))).toBe(404);
      // The retired key's tokens still verify on both replicas, after B's reloads too.
      await new Promise((r) => setTimeout(r, RECHECK_MS * 2));
      expect(await statusWith(a, old)).toBe(404);
      expect(await statusWith(b, old)).toBe(404);
      const jwks = (await (await fetch(`${b.url}/token/jwks`)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    });

    it("stops the retired key's tokens on B once their grace has ended", async () => {
      const token = await tokenFrom(a);
      const kid = kidOf(token);
      expect(await statusWith(b, token)).toBe(404);
      const rotated = await fetch(`${a.url}/api/v1/keys/rotate`, {
        method: "POST",
        headers: { authorization: ADMIN },
      });
      expect(rotated.status).toBe(200);
      expect(await statusWith(b, token)).toBe(404);
      // The grace (the token lifetime and a minute) passing, without waiting for it: the key was
      // retired that long ago. The token itself has not expired; only its key's retirement refuses it.
      const graceMs = a.platform.config.auth.token.ttlMs + 60_000;
      await a.platform.database.db
        .updateTable("token_keys")
        .set({ retired_at: Date.now() - graceMs - 1_000 })
        .where("kid", "=", kid)
        .execute();
      await until("B refuses the retired key's token", async () => (await statusWith(b, token)) === 401, {
        everyMs: 25,
      });
      expect(await statusWith(a, token)).toBe(401);
      const jwks = (await (await fetch(`${b.url}/token/jwks`)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).not.toContain(kid);
    });
  },
);
