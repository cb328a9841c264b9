import { createPublicKey } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateKeyPair } from "../../trust/index.js";
import { main } from "../main.js";
import { captureCli } from "../testing/capture.js";

const io = captureCli("verify-cli-");

/** A registry that answers 404 to everything and counts what it was asked. */
let server: Server;
let requests = 0;
let registry = "";
beforeAll(async () => {
  server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = 0;
});

/** An RSA public key with e=1 (RFC 7518 JWK; no private half needed): any padded digest is its own signature. */
const exponentOneKeyPem = createPublicKey({
  key: { kty: "RSA", n: Buffer.alloc(256, 0xc3).toString("base64url"), e: "AQ" },
  format: "jwk",
})
  .export({ type: "spki", format: "pem" })
  .toString();

describe("verify refuses a weak RSA key before contacting any registry (issue 22, item 13)", () => {
  it.each([["verify"], ["verify-attestation"], ["verify-provenance"], ["attestations"]])(
    "%s --key with e=1: exit 2 naming the exponent, and not one request",
    async (...command) => {
      const key = join(io.dir, "weak.pub");
      await writeFile(key, exponentOneKeyPem);
      expect(await main(["node", "portcullis", ...command, `${registry}/app:1`, "--key", key])).toBe(2);
      expect(io.err).toContain("RSA public exponent 1 is refused: only 65537 is accepted");
      expect(io.err).toContain(key);
      expect(requests).toBe(0);
    },
  );

  it("verify --policy whose signedBy key has e=1: exit 2, and not one request", async () => {
    await writeFile(join(io.dir, "weak.pub"), exponentOneKeyPem);
    const policy = join(io.dir, "policy.yaml");
    await writeFile(
      policy,
      "apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    signedBy:\n      - key: weak.pub\n",
    );
    expect(await main(["node", "portcullis", "verify", `${registry}/app:1`, "--policy", policy])).toBe(2);
    expect(io.err).toContain("RSA public exponent 1 is refused");
    expect(requests).toBe(0);
  });

  it("with a good key the same command does reach the registry (the counter counts)", async () => {
    const key = join(io.dir, "good.pub");
    await writeFile(key, (await generateKeyPair("", { strength: "legacy" })).publicKeyPem);
    expect(await main(["node", "portcullis", "verify", `${registry}/app:1`, "--key", key])).not.toBe(0);
    expect(requests).toBeGreaterThan(0);
  });
});
