import { generateKeyPairSync, randomBytes } from "node:crypto";
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../storage/index.js";
import { databaseTestTargets } from "../../storage/testing.js";
import { AccessControl } from "../access.js";
import { LocalAuthenticator } from "../local/authenticator.js";
import { AccountStore } from "../local/store.js";
import { LoginThrottle } from "../local/throttle.js";
import { grantScopes } from "./grant.js";
import { libtrustKeyId } from "./key-id.js";
import { KeyRing } from "./keys.js";
import { TokenService } from "./service.js";

const OPTIONS = { issuer: "portcullis", service: "registry.test", ttlMs: 300_000 };

describe.each(databaseTestTargets())("registry tokens ($name)", (target) => {
  let database: Database;
  let store: AccountStore;
  let keys: KeyRing;
  let tokens: TokenService;
  let authenticator: LocalAuthenticator;
  let access: AccessControl;
  let robotSecret = "";

  beforeAll(async () => {
    database = await target.open();
    store = new AccountStore(database);
    keys = new KeyRing(database.db, randomBytes(32), { keepRetiredMs: 600_000 });
    tokens = new TokenService(keys, OPTIONS);
    access = new AccessControl(store);
    const throttle = new LoginThrottle(database.db, {
      accountAttempts: 3,
      addressAttempts: 30,
      windowMs: 60_000,
      lockMs: 60_000,
    });
    authenticator = new LocalAuthenticator({ store, tokens, throttle });
    await store.createProject({ name: "team" });
    const created = await store.createRobot({
      name: "ci",
      project: "team",
      grants: [{ project: "team", repositories: ["*"], permissions: ["repository.pull"] }],
      createdBy: "test",
    });
    robotSecret = created.secret;
  });
  afterAll(async () => database.close());

  const bearer = (token: string) => authenticator.authenticate({ authorization: `Bearer ${token}` });

  it("issues an ES256 JWT with the spec's claims that verifies, with the libtrust kid", async () => {
    const { token, expiresIn } = await tokens.issue("robot$team+ci", [
      { type: "repository", name: "team/app", actions: ["pull"] },
    ]);
    expect(expiresIn).toBe(300);
    const [header, payload] = token
      .split(".")
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, "base64url").toString()));
    expect(header).toMatchObject({ alg: "ES256", typ: "JWT" });
    expect(header.kid).toBe((await keys.signingKey()).kid);
    expect(header.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(payload).toMatchObject({ iss: "portcullis", sub: "robot$team+ci", aud: "registry.test" });
    expect(typeof payload.aud).toBe("string");
    expect(payload.access).toEqual([{ type: "repository", name: "team/app", actions: ["pull"] }]);
    const identity = await bearer(token);
    expect(identity).toMatchObject({ kind: "robot", subject: "robot$team+ci", via: "token" });
  });

  it("refuses expired, not-yet-valid, wrong audience, wrong issuer, foreign-key, unsigned and tampered tokens", async () => {
    const key = await keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    const sign = (
      claims: { iss?: string; aud?: string; nbf?: number; exp?: number },
      signer = key.privateKey,
      kid = key.kid,
    ) =>
      new SignJWT({ access: [{ type: "repository", name: "team/app", actions: ["pull", "push"] }] })
        .setProtectedHeader({ alg: "ES256", typ: "JWT", kid })
        .setIssuer(claims.iss ?? "portcullis")
        .setSubject("robot$team+ci")
        .setAudience(claims.aud ?? "registry.test")
        .setIssuedAt(now)
        .setNotBefore(claims.nbf ?? now)
        .setExpirationTime(claims.exp ?? now + 300)
        .setJti("x")
        .sign(signer);
    expect(await bearer(await sign({}))).toBeDefined();
    expect(await bearer(await sign({ exp: now - 120 }))).toBeUndefined();
    expect(await bearer(await sign({ nbf: now + 600, exp: now + 900 }))).toBeUndefined();
    expect(await bearer(await sign({ aud: "other-registry" }))).toBeUndefined();
    expect(await bearer(await sign({ iss: "someone-else" }))).toBeUndefined();
    const foreign = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
    expect(await bearer(await sign({}, foreign))).toBeUndefined();
    expect(
      await bearer(
        await sign(
          {},
          foreign,
          libtrustKeyId(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey),
        ),
      ),
    ).toBeUndefined();
    const unsecured = new UnsecuredJWT({ access: [] })
      .setIssuer("portcullis")
      .setSubject("robot$team+ci")
      .setAudience("registry.test")
      .setExpirationTime("5m")
      .encode();
    expect(await bearer(unsecured)).toBeUndefined();
    // Scope escalation: a pull token with its payload rewritten to push keeps the old signature.
    const { token } = await tokens.issue("robot$team+ci", [
      { type: "repository", name: "team/app", actions: ["pull"] },
    ]);
    const [h, p, s] = token.split(".");
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString());
    payload.access[0].actions = ["pull", "push"];
    expect(
      await bearer(`${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`),
    ).toBeUndefined();
    // HS256 signed with the public key as the secret (algorithm confusion).
    const hs = await new SignJWT({ access: [] })
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: key.kid })
      .setIssuer("portcullis")
      .setSubject("robot$team+ci")
      .setAudience("registry.test")
      .setIssuedAt()
      .setNotBefore(now)
      .setExpirationTime("5m")
      .setJti("y")
      .sign(key.publicKey.export({ format: "der", type: "spki" }));
    expect(await bearer(hs)).toBeUndefined();
  });

  it("grants only what the holder may do, and a token holds nothing more than its grant", async () => {
    const robot = await authenticator.authenticate({
      authorization: `Basic ${Buffer.from(`robot$team+ci:${robotSecret}`).toString("base64")}`,
    });
    expect(robot?.kind).toBe("robot");
    const granted = await grantScopes(access, robot!, [
      { type: "repository", name: "team/app", actions: ["pull", "push"] },
      { type: "repository", name: "other/app", actions: ["pull"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
    expect(granted).toEqual([
      { type: "repository", name: "team/app", actions: ["pull"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
    const identity = await bearer((await tokens.issue(robot!.subject, granted)).token);
    expect(await access.authorize(identity!, { action: "pull", repository: "team/app" })).toBe(true);
    expect(await access.authorize(identity!, { action: "push", repository: "team/app" })).toBe(false);
  });

  it("refuses a token whose robot was revoked after it was issued (replay after revocation)", async () => {
    const { robot, secret } = await store.createRobot({
      name: "short",
      project: "team",
      grants: [{ project: "team", repositories: ["*"], permissions: ["repository.pull"] }],
      createdBy: "test",
    });
    const { token } = await tokens.issue(robot.name, [
      { type: "repository", name: "team/app", actions: ["pull"] },
    ]);
    expect(await bearer(token)).toBeDefined();
    await store.setRobotDisabled(robot.name, true);
    expect(await bearer(token)).toBeUndefined();
    expect(await authenticator.login(robot.name, secret)).toBeUndefined();
  });

  it("keeps verifying tokens of a retired key after rotation, and unseals keys only with the right KEK", async () => {
    const before = await tokens.issue("", []);
    const kid = await keys.rotate();
    expect((await keys.signingKey()).kid).toBe(kid);
    expect(await bearer(before.token)).toMatchObject({ kind: "anonymous", via: "token" });
    const jwks = await keys.jwks();
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
    const wrongKek = new KeyRing(database.db, randomBytes(32), { keepRetiredMs: 600_000 });
    await expect(wrongKek.signingKey()).rejects.toMatchObject({ code: "INVALID" });
  });

  it("ends a retired key's grace on every replica, and moves other replicas to the new key", async () => {
    let clock = Date.now();
    const kek = randomBytes(32);
    const ring = () => new KeyRing(database.db, kek, { keepRetiredMs: 120_000, now: () => clock });
    const here = ring();
    const there = ring();
    const hereTokens = new TokenService(here, OPTIONS);
    const thereTokens = new TokenService(there, OPTIONS);
    await here.rotate();
    const old = await hereTokens.issue("robot$team+ci", [], clock);
    // The other replica verifies (and caches) the key it signs with.
    expect((await thereTokens.verify(old.token)).subject).toBe("robot$team+ci");
    const oldKid = (await there.signingKey()).kid;
    const newKid = await here.rotate();
    // Within its grace both replicas still verify the retired key's tokens.
    clock += 31_000;
    expect((await thereTokens.verify(old.token)).subject).toBe("robot$team+ci");
    // The other replica signs with the new key once it looks again (every 30 s).
    expect((await there.signingKey()).kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);
    // After the grace, the retired key verifies nowhere, whatever the token's own expiry says.
    clock += 120_000;
    await expect(thereTokens.verify(old.token)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    expect(await there.verificationKey(oldKid)).toBeUndefined();
    expect(await here.verificationKey(oldKid)).toBeUndefined();
    expect((await here.jwks()).keys.map((k) => k.kid)).not.toContain(oldKid);
  });

  it("remembers a verified token only until it expires, and never past a revoked robot", async () => {
    let clock = Date.now();
    const timed = new TokenService(keys, { ...OPTIONS, now: () => clock });
    const { token } = await timed.issue("robot$team+ci", [], clock);
    expect((await timed.verify(token)).subject).toBe("robot$team+ci");
    // Remembered: the same answer again, the signature not checked twice.
    expect((await timed.verify(token)).subject).toBe("robot$team+ci");
    // Past exp and the leeway, the remembered verification counts for nothing.
    clock += OPTIONS.ttlMs + 31_000;
    await expect(timed.verify(token)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    // The principal is looked up on every request, remembered token or not: revoking stops it at once.
    const robot = await store.createRobot({
      name: "remembered",
      project: "team",
      grants: [{ project: "team", repositories: ["*"], permissions: ["repository.pull"] }],
      createdBy: "test",
    });
    const held = await tokens.issue(robot.robot.name, []);
    expect(await bearer(held.token)).toMatchObject({ subject: robot.robot.name, via: "token" });
    await store.setRobotDisabled(robot.robot.name, true);
    expect(await bearer(held.token)).toBeUndefined();
  });

  it("signs with the key of auth.token.signingKeyFile, publishes it, and refuses to rotate it away", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const pem = privateKey.export({ type: "sec1", format: "pem" }).toString();
    const ring = new KeyRing(database.db, randomBytes(32), { signingKeyPem: pem, keepRetiredMs: 60_000 });
    const kid = libtrustKeyId(publicKey);
    expect((await ring.signingKey()).kid).toBe(kid);
    await expect(ring.rotate()).rejects.toMatchObject({ code: "INVALID" });
    expect((await ring.signingKey()).kid).toBe(kid);
    const jwks = await ring.jwks();
    expect(jwks.keys[0]).toMatchObject({ kid, kty: "EC", crv: "P-256", alg: "ES256" });
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
    const service = new TokenService(ring, OPTIONS);
    const { token } = await service.issue("robot$team+ci", []);
    expect((await service.verify(token)).subject).toBe("robot$team+ci");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    expect(
      () => new KeyRing(database.db, randomBytes(32), { signingKeyPem: rsa.toString(), keepRetiredMs: 1 }),
    ).toThrow(/P-256/);
  });

  it("ends refresh tokens when a user's password changes or a robot's secret is rotated", async () => {
    const user = await store.createUser({ name: "refresher", password: "first password 123" });
    const { robot } = await store.createRobot({
      name: "refresher",
      project: "team",
      grants: [{ project: "team", repositories: ["*"], permissions: ["repository.pull"] }],
      createdBy: "test",
    });
    const userToken = await store.createRefreshToken({ kind: "user", id: user.id }, "test", 60_000);
    const robotToken = await store.createRefreshToken({ kind: "robot", id: robot.id }, "test", 60_000);
    expect(await store.findRefreshToken(userToken)).toMatchObject({ kind: "user", id: user.id });
    expect(await store.findRefreshToken(robotToken)).toMatchObject({ kind: "robot", id: robot.id });
    await store.setPassword("refresher", "second password 123");
    await store.rotateRobot(robot.name);
    expect(await store.findRefreshToken(userToken)).toBeUndefined();
    expect(await store.findRefreshToken(robotToken)).toBeUndefined();
    // Other changes to the account leave its sessions alone.
    const again = await store.createRefreshToken({ kind: "user", id: user.id }, "test", 60_000);
    await store.setUserFlags("refresher", { admin: false });
    expect(await store.findRefreshToken(again)).toBeDefined();
  });

  it("takes as long to refuse a name no account has as a wrong password (no enumeration by time)", async () => {
    const patient = new LocalAuthenticator({
      store,
      tokens,
      throttle: new LoginThrottle(database.db, {
        accountAttempts: 1000,
        addressAttempts: 1000,
        windowMs: 60_000,
        lockMs: 60_000,
      }),
    });
    await store.createUser({ name: "timed", password: "the timed password" });
    const time = async (name: string) => {
      const started = performance.now();
      expect(await patient.login(name, "a wrong password")).toBeUndefined();
      return performance.now() - started;
    };
    await time("warm-up-name");
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time("timed"));
      unknown.push(await time(`nobody-${i}`));
    }
    // Each failure costs a password derivation (tens of ms); a skipped one would cost well under 1 ms.
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.3);
  });

  it("locks an account after repeated failures, even for the right password", async () => {
    await store.createUser({ name: "victim", password: "the right password" });
    for (let i = 0; i < 3; i++)
      expect(await authenticator.login("victim", `guess ${i}`, "10.0.0.1")).toBeUndefined();
    await expect(authenticator.login("victim", "the right password", "10.0.0.2")).rejects.toMatchObject({
      code: "THROTTLED",
    });
  });
});
