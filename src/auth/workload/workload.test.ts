import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWorkloadIssuers } from "./issuers.js";
import { WorkloadVerifier } from "./verifier.js";

/**
 * Workload identity against a real JWKS endpoint the test publishes over HTTP (as a CI system or the
 * Kubernetes API server does): tokens signed by its key are accepted for the right issuer, audience
 * and claims, and everything else is refused.
 */
describe("workload identity", () => {
  let server: Server;
  let jwksUrl = "";
  let verifier: WorkloadVerifier;
  const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const stranger = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches++;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          keys: [{ ...key.publicKey.export({ format: "jwk" }), kid: "ci-1", alg: "ES256", use: "sig" }],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
    verifier = new WorkloadVerifier(
      parseWorkloadIssuers(
        `issuers:
  - name: ci
    issuer: https://ci.example.com
    jwksUrl: ${jwksUrl}
    audience: portcullis
    condition: 'claims.project_path == "team/app" && claims.ref_protected == "true"'
    grants:
      - { project: team, repositories: ["app"], permissions: [repository.pull, repository.push] }
`,
        "issuers.yaml",
      ),
    );
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sign = (
    claims: Record<string, unknown>,
    options: {
      iss?: string;
      aud?: string;
      exp?: number;
      iat?: number;
      signer?: KeyObject;
      kid?: string;
    } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: options.kid ?? "ci-1" })
      .setIssuer(options.iss ?? "https://ci.example.com")
      .setAudience(options.aud ?? "portcullis")
      .setSubject("project_path:team/app:ref:main")
      .setIssuedAt(options.iat ?? now)
      .setExpirationTime(options.exp ?? now + 300)
      .sign(options.signer ?? key.privateKey);
  };
  const good = { project_path: "team/app", ref_protected: "true" };

  it("accepts a token of a trusted issuer that meets the condition, with the rule's grants", async () => {
    const result = await verifier.verify(await sign(good));
    expect(result).toMatchObject({
      kind: "workload",
      subject: "workload:ci:project_path:team/app:ref:main",
      grants: [
        { project: "team", repositories: ["app"], permissions: ["repository.pull", "repository.push"] },
      ],
    });
    expect(fetches).toBeGreaterThan(0);
  });

  it("refuses other issuers, audiences, keys, expired, overlong, unsigned tokens and unmet conditions", async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = async (token: string) => "refused" in (await verifier.verify(token));
    expect(await refused(await sign({ ...good, ref_protected: "false" }))).toBe(true);
    expect(await refused(await sign({ project_path: "team/other", ref_protected: "true" }))).toBe(true);
    expect(await refused(await sign(good, { iss: "https://evil.example.com" }))).toBe(true);
    expect(await refused(await sign(good, { aud: "another-service" }))).toBe(true);
    expect(await refused(await sign(good, { exp: now - 600 }))).toBe(true);
    expect(await refused(await sign(good, { iat: now, exp: now + 48 * 3600 }))).toBe(true);
    expect(await refused(await sign(good, { signer: stranger.privateKey }))).toBe(true);
    expect(await refused(await sign(good, { signer: stranger.privateKey, kid: "other" }))).toBe(true);
    const unsecured = new UnsecuredJWT(good)
      .setIssuer("https://ci.example.com")
      .setAudience("portcullis")
      .setExpirationTime("5m")
      .encode();
    expect(await refused(unsecured)).toBe(true);
    expect(await refused("not-a-jwt")).toBe(true);
  });

  it("refuses a malformed issuers file by place, and plain-http key URLs off loopback", () => {
    expect(() =>
      parseWorkloadIssuers(
        "issuers:\n  - name: x\n    issuer: a\n    audience: b\n    grants: []\n",
        "f.yaml",
      ),
    ).toThrow(/f\.yaml: issuers\.0/);
    expect(() =>
      parseWorkloadIssuers(
        "issuers:\n  - name: x\n    issuer: a\n    audience: b\n    jwksUrl: http://keys.example.com/k\n    grants: [{ project: team, permissions: [repository.pull] }]\n",
        "f.yaml",
      ),
    ).toThrow(/https/);
    expect(() =>
      parseWorkloadIssuers(
        "issuers:\n  - name: x\n    issuer: a\n    audience: b\n    jwksUrl: https://k/\n    condition: 'claims.x =='\n    grants: [{ project: team, permissions: [repository.pull] }]\n",
        "f.yaml",
      ),
    ).toThrow(/condition/);
  });
});
