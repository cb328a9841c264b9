import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing.js";

/** A CI job's JWT exchanged for a registry token over HTTP: Basic `workload:<JWT>` and RFC 8693. */
describe("workload token exchange over HTTP", () => {
  let server: TestServer;
  let dir = "";
  const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const jwt = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer("https://ci.example.com")
      .setAudience("portcullis")
      .setSubject("job-42")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(key.privateKey);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "portcullis-workload-"));
    const file = join(dir, "issuers.yaml");
    const jwks = JSON.stringify({
      keys: [{ ...key.publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256" }],
    });
    writeFileSync(
      file,
      `issuers:
  - name: ci
    issuer: https://ci.example.com
    jwks: ${jwks}
    audience: portcullis
    condition: 'claims.repository == "team/app"'
    grants:
      - { project: team, repositories: ["app"], permissions: [repository.pull, repository.push] }
`,
    );
    server = await startTestServer({
      database: "sqlite",
      config: { "auth.mode": "accounts", "auth.workloadIssuersFile": file },
    });
    await server.platform.identity!.store.createProject({ name: "team" });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const access = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());

  it("grants the rule's scope to `workload` + JWT on GET /token, and nothing to a JWT that fails the condition", async () => {
    const ask = async (claims: Record<string, unknown>) => {
      const auth = Buffer.from(`workload:${await jwt(claims)}`).toString("base64");
      return fetch(
        `${server.url}/token?scope=repository:team/app:pull,push&scope=repository:team/other:pull`,
        {
          headers: { authorization: `Basic ${auth}` },
        },
      );
    };
    const ok = await ask({ repository: "team/app" });
    expect(ok.status).toBe(200);
    const { token } = (await ok.json()) as { token: string };
    expect(access(token)).toMatchObject({
      sub: "workload:ci:job-42",
      access: [{ type: "repository", name: "team/app", actions: ["pull", "push"] }],
    });
    const upload = await fetch(`${server.url}/v2/team/app/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(upload.status).toBe(202);
    expect((await ask({ repository: "team/evil" })).status).toBe(401);
  });

  it("exchanges a JWT through the RFC 8693 grant", async () => {
    const answer = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        subject_token: await jwt({ repository: "team/app" }),
        client_id: "ci",
        scope: "repository:team/app:pull",
      }).toString(),
    });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { token: string; refresh_token?: string };
    expect(body.refresh_token).toBeUndefined();
    expect(access(body.token).access).toEqual([{ type: "repository", name: "team/app", actions: ["pull"] }]);
  });
});
