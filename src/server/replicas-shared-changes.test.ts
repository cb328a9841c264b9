import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unavailable } from "../../test/support/requirements.js";
import { dropTestSchema } from "../storage/testing.js";
import { type InProcessReplica, startInProcessReplica, stopInProcessReplicas } from "./testing.js";

/**
 * Changes made on one replica reach the caches of the others at once (issue 16): two servers in
 * accounts mode over one PostgreSQL schema, as two `serve` processes behind a load balancer. Each
 * replica remembers principals and the accounts snapshot for a second between revision checks; the
 * test makes B remember them just before A's change, then asks B straight after A answered, so only
 * the invalidation bus can explain B's refusal.
 */
const postgres = process.env.PORTCULLIS_TEST_POSTGRES;
const ROOT = { name: "admin", secret: "replica admin password" };

type Replica = InProcessReplica;

const basic = (who: { name: string; secret: string }) =>
  `Basic ${Buffer.from(`${who.name}:${who.secret}`).toString("base64")}`;

async function call(
  replica: Replica,
  method: string,
  path: string,
  as: { name: string; secret: string },
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: {
      authorization: basic(as),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe.skipIf(unavailable("PostgreSQL (PORTCULLIS_TEST_POSTGRES)", postgres !== undefined))(
  "changes shared between replicas",
  () => {
    const schema = `repl_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
    let root: string;
    let a: Replica;
    let b: Replica;

    const start = (): Promise<Replica> => startInProcessReplica({ postgres: postgres!, schema, root });

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), "portcullis-shared-changes-"));
      a = await start();
      b = await start();
      await a.platform.identity!.store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
      expect((await call(a, "POST", "/api/v1/projects", ROOT, { name: "team" })).status).toBe(201);
    }, 60_000);

    afterAll(async () => {
      await stopInProcessReplicas([a, b]);
      if (a) await dropTestSchema(postgres!, schema);
      await rm(root, { recursive: true, force: true });
    });

    it("refuses a robot revoked, rotated or deleted on A on B at once", async () => {
      for (const [round, action] of ["revoke", "rotate", "delete", "revoke", "rotate", "delete"].entries()) {
        const name = `ci-${round}`;
        const created = await call(a, "POST", "/api/v1/projects/team/robots", ROOT, {
          name,
          permissions: ["repository.pull"],
        });
        expect(created.status).toBe(201);
        const robot = {
          name: String((created.body.robot as { name: string }).name),
          secret: String(created.body.secret),
        };
        // B remembers the robot (and its revision check is fresh) just before A changes it.
        expect((await call(b, "GET", "/v2/team/app/tags/list", robot)).status).toBe(404);
        expect((await call(b, "GET", "/v2/team/app/tags/list", robot)).status).toBe(404);
        const changed =
          action === "delete"
            ? await call(a, "DELETE", `/api/v1/projects/team/robots/${name}`, ROOT)
            : await call(a, "POST", `/api/v1/projects/team/robots/${name}/${action}`, ROOT);
        expect(changed.status).toBeLessThan(300);
        // No wait: the change reached B with its commit, before A answered.
        expect((await call(b, "GET", "/v2/team/app/tags/list", robot)).status).toBe(401);
      }
    });

    it("refuses a user disabled on A on B at once", async () => {
      const user = await call(a, "POST", "/api/v1/users", ROOT, { name: "carol" });
      expect(user.status).toBe(201);
      const carol = { name: "carol", secret: String(user.body.password) };
      expect((await call(b, "GET", "/api/v1/me", carol)).status).toBe(200);
      expect((await call(b, "GET", "/api/v1/me", carol)).status).toBe(200);
      const disabled = await call(a, "POST", "/api/v1/users/carol/disable", ROOT);
      expect(disabled.status).toBeLessThan(300);
      expect((await call(b, "GET", "/api/v1/me", carol)).status).toBe(401);
    });

    it("signs with a key rotated on A on B without waiting for its 30 s key reload", async () => {
      const kidOf = (jwt: string) =>
        (JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString("utf8")) as { kid: string }).kid;
      const tokenFrom = async (replica: Replica) => {
        const res = await fetch(`${replica.url}/token?service=portcullis&scope=repository:team/app:pull`, {
          headers: { authorization: basic(ROOT) },
        });
        expect(res.status).toBe(200);
        return kidOf(((await res.json()) as { token: string }).token);
      };
      const before = await tokenFrom(b);
      const rotated = await call(a, "POST", "/api/v1/keys/rotate", ROOT);
      expect(rotated.status).toBe(200);
      const kid = String(rotated.body.kid);
      expect(kid).not.toBe(before);
      // The notification follows the rotation's commit; B's own reload would take 30 s.
      const deadline = Date.now() + 5_000;
      while ((await tokenFrom(b)) !== kid) {
        if (Date.now() > deadline) throw new Error("B never signed with the rotated key");
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  },
);
