/**
 * Interoperability of Portcullis's token service with a stock registry: CNCF Distribution 2.8
 * (Debian's docker-registry) configured with Portcullis as its token realm, exactly as its docs say
 * (`auth.token`: realm, service, issuer, rootcertbundle). Portcullis signs with a key from
 * `auth.token.signingKeyFile`, and Distribution finds it by the token's `kid`, the libtrust id of the
 * certificate's key in its rootcertbundle. skopeo logs in and copies through Distribution; every grant
 * is Portcullis's (its accounts, roles and robots), every check is Distribution's.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { libtrustKeyId } from "../../src/auth/index.js";
import { startTestServer, type TestServer } from "../../src/server/testing.js";
import { type WrittenImage, writeImageLayout } from "../support/oci-layout.js";
import { unavailable } from "../support/requirements.js";
import { basicForm, expectNoSecrets } from "../support/secrets.js";
import { isolatedSkopeo, type Skopeo } from "../support/skopeo.js";
import {
  DISTRIBUTION_BIN,
  hasCommand,
  type RegistryServer,
  run,
  startDistribution,
  tempDir,
} from "../support/targets.js";

const TIMEOUT = 120_000;
const SERVICE = "registry.interop.test";
const ISSUER = "portcullis-interop";
const DEV_PASSWORD = "developer password 1";
const GUEST_PASSWORD = "guest password 12";

const tools = hasCommand("skopeo") && hasCommand("openssl") && hasCommand(DISTRIBUTION_BIN);

describe.skipIf(unavailable(`skopeo, openssl and CNCF Distribution (${DISTRIBUTION_BIN})`, tools))(
  "CNCF Distribution trusting Portcullis tokens",
  () => {
    const temps: string[] = [];
    let portcullis: TestServer;
    let distribution: RegistryServer;
    let skopeo: Skopeo;
    let layout: string;
    let image: WrittenImage;
    let signingKey: KeyObject;
    let robotSecret = "";

    beforeAll(async () => {
      const work = await tempDir("interop-", temps);
      const keyFile = join(work, "token-key.pem");
      const certFile = join(work, "token-cert.pem");
      await run("openssl", ["ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", keyFile]);
      await run("openssl", [
        "req",
        "-new",
        "-x509",
        "-key",
        keyFile,
        "-out",
        certFile,
        "-days",
        "2",
        "-subj",
        "/CN=portcullis token signing",
      ]);
      signingKey = createPrivateKey(await readFile(keyFile));

      portcullis = await startTestServer({
        database: "sqlite",
        captureLogs: true,
        config: {
          "auth.mode": "accounts",
          "auth.token.service": SERVICE,
          "auth.token.issuer": ISSUER,
          "auth.token.signingKeyFile": keyFile,
        },
      });
      const store = portcullis.platform.identity!.store;
      await store.createProject({ name: "team" });
      await store.createUser({ name: "dev", password: DEV_PASSWORD });
      await store.createUser({ name: "visitor", password: GUEST_PASSWORD });
      await store.addMember({ project: "team", kind: "user", name: "dev", role: "developer" });
      await store.addMember({ project: "team", kind: "user", name: "visitor", role: "guest" });
      robotSecret = (
        await store.createRobot({
          name: "ci",
          project: "team",
          grants: [
            { project: "team", repositories: ["app"], permissions: ["repository.pull", "repository.push"] },
          ],
          createdBy: "test",
        })
      ).secret;

      distribution = await startDistribution({
        distributionConfig: [
          "auth:",
          "  token:",
          `    realm: ${JSON.stringify(`${portcullis.url}/token`)}`,
          `    service: ${JSON.stringify(SERVICE)}`,
          `    issuer: ${JSON.stringify(ISSUER)}`,
          `    rootcertbundle: ${JSON.stringify(certFile)}`,
        ],
      });
      skopeo = await isolatedSkopeo(join(work, "skopeo"));
      layout = join(work, "layout");
      image = await writeImageLayout(layout, { tag: "v1", layerSizes: [4096] });
    }, TIMEOUT);

    afterAll(async () => {
      if (portcullis) {
        expectNoSecrets(
          portcullis.logs.map((line) => JSON.stringify(line)),
          [DEV_PASSWORD, GUEST_PASSWORD, robotSecret, basicForm("robot$team+ci", robotSecret)],
        );
      }
      await distribution?.dispose();
      await portcullis?.close();
      for (const dir of temps) await rm(dir, { recursive: true, force: true });
    });

    const challenge = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${distribution.url}${path}`, { headers });
      await res.arrayBuffer();
      return { status: res.status, challenge: res.headers.get("www-authenticate") ?? "" };
    };

    it("sends clients to Portcullis's realm, which issues a token Distribution accepts", async () => {
      const anonymous = await challenge("/v2/team/app/tags/list");
      expect(anonymous.status).toBe(401);
      expect(anonymous.challenge).toBe(
        `Bearer realm="${portcullis.url}/token",service="${SERVICE}",scope="repository:team/app:pull"`,
      );
      const answer = await fetch(
        `${portcullis.url}/token?service=${SERVICE}&scope=repository:team/app:pull`,
        {
          headers: { authorization: `Basic ${Buffer.from(`dev:${DEV_PASSWORD}`).toString("base64")}` },
        },
      );
      const { token } = (await answer.json()) as { token: string };
      const withToken = await challenge("/v2/team/app/tags/list", { authorization: `Bearer ${token}` });
      // Authorised: the repository is unknown to Distribution, so 404, not 401.
      expect(withToken.status).toBe(404);
      expect((await challenge("/v2/", { authorization: `Bearer ${token}` })).status).toBe(200);
    });

    it(
      "lets a developer and a robot push and pull through Distribution with skopeo",
      async () => {
        const dev = await skopeo.login(distribution.host, "dev", DEV_PASSWORD);
        expect(dev.code, dev.stderr).toBe(0);
        await skopeo.copy(`oci:${layout}:v1`, `docker://${distribution.host}/team/app:v1`);
        const inspected = await skopeo.run([
          "inspect",
          "--tls-verify=false",
          "--authfile",
          skopeo.authFile,
          `docker://${distribution.host}/team/app:v1`,
        ]);
        expect((JSON.parse(inspected.stdout) as { Digest: string }).Digest).toBe(image.digest);
        await skopeo.logout(distribution.host);

        const robot = await skopeo.login(distribution.host, "robot$team+ci", robotSecret);
        expect(robot.code, robot.stderr).toBe(0);
        await skopeo.copy(
          `docker://${distribution.host}/team/app:v1`,
          `docker://${distribution.host}/team/app:v2`,
        );
        const pulled = join(temps[0]!, "pulled");
        await skopeo.copy(`docker://${distribution.host}/team/app:v2`, `oci:${pulled}:v2`);
        // The robot's grant is narrowed to team/app: Portcullis grants nothing for team/other.
        const elsewhere = await skopeo.copy(
          `oci:${layout}:v1`,
          `docker://${distribution.host}/team/other:v1`,
          { allowFailure: true },
        );
        expect(elsewhere.code).not.toBe(0);
        expect(elsewhere.stderr).toMatch(/unauthorized|denied|authentication required/i);
        await skopeo.logout(distribution.host);
      },
      TIMEOUT,
    );

    it(
      "denies a push that Portcullis does not grant (a guest), while the guest may pull",
      async () => {
        const guest = await skopeo.login(distribution.host, "visitor", GUEST_PASSWORD);
        expect(guest.code, guest.stderr).toBe(0);
        const push = await skopeo.copy(`oci:${layout}:v1`, `docker://${distribution.host}/team/app:guest`, {
          allowFailure: true,
        });
        expect(push.code).not.toBe(0);
        expect(push.stderr).toMatch(/unauthorized|denied|authentication required/i);
        const pulled = join(temps[0]!, "guest-pulled");
        await skopeo.copy(`docker://${distribution.host}/team/app:v1`, `oci:${pulled}:v1`);
        await skopeo.logout(distribution.host);
        const wrong = await skopeo.login(distribution.host, "visitor", "not the password");
        expect(wrong.code).not.toBe(0);
      },
      TIMEOUT,
    );

    it("refuses tokens from another key or another issuer, and a scope the token lacks", async () => {
      const now = Math.floor(Date.now() / 1000);
      const forge = (key: KeyObject, kid: string, issuer: string, actions = ["pull"]) =>
        new SignJWT({ access: [{ type: "repository", name: "team/app", actions }] })
          .setProtectedHeader({ alg: "ES256", typ: "JWT", kid })
          .setIssuer(issuer)
          .setSubject("dev")
          .setAudience(SERVICE)
          .setIssuedAt(now)
          .setNotBefore(now)
          .setExpirationTime(now + 300)
          .setJti(`forged-${Math.random()}`)
          .sign(key);
      const path = "/v2/team/app/tags/list";
      const status = async (token: string) =>
        (await challenge(path, { authorization: `Bearer ${token}` })).status;
      // The control: the right key, kid and issuer are accepted.
      const ownKid = libtrustKeyId(createPublicKey(signingKey));
      expect(await status(await forge(signingKey, ownKid, ISSUER))).toBe(200);
      const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      expect(await status(await forge(other.privateKey, libtrustKeyId(other.publicKey), ISSUER))).toBe(401);
      // Another key claiming our kid: the signature does not verify.
      expect(await status(await forge(other.privateKey, ownKid, ISSUER))).toBe(401);
      expect(await status(await forge(signingKey, ownKid, "someone-else"))).toBe(401);
      // A pull token does not let a client delete.
      const res = await fetch(`${distribution.url}/v2/team/app/manifests/${image.digest}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${await forge(signingKey, ownKid, ISSUER)}` },
      });
      expect(res.status).toBe(401);
      // A token of another Portcullis (its own generated key) is refused too.
      const stranger = await startTestServer({
        database: "sqlite",
        config: { "auth.mode": "accounts", "auth.token.service": SERVICE, "auth.token.issuer": ISSUER },
      });
      try {
        const store = stranger.platform.identity!.store;
        await store.createProject({ name: "team" });
        await store.createUser({ name: "dev", password: DEV_PASSWORD });
        await store.addMember({ project: "team", kind: "user", name: "dev", role: "developer" });
        const answer = await fetch(`${stranger.url}/token?scope=repository:team/app:pull`, {
          headers: { authorization: `Basic ${Buffer.from(`dev:${DEV_PASSWORD}`).toString("base64")}` },
        });
        expect(await status(((await answer.json()) as { token: string }).token)).toBe(401);
      } finally {
        await stranger.close();
      }
    });
  },
);
