import { describe, expect, it } from "vitest";
import { resolveConfig } from "../app/index.js";
import { exposureOf } from "./serve-exposure.js";

const TLS = { "server.tlsCert": "/tls/tls.crt", "server.tlsKey": "/tls/tls.key" };

function exposure(listen: string, flags: Record<string, string | boolean> = {}) {
  return exposureOf(resolveConfig({ env: {}, flags: { "server.listen": listen, ...flags } }));
}

describe("who may reach serve", () => {
  it.each([
    ["127.0.0.1:5000", {}],
    ["localhost:5000", {}],
    ["[::1]:5000", {}],
    ["127.0.0.1:5000", { "auth.mode": "accounts" }],
  ])("anything goes on loopback (%s %o)", (listen, flags) => {
    expect(exposure(listen, flags)).toEqual({ allowed: true });
  });

  it.each([
    // Anonymous beyond loopback: only with --insecure-public, TLS or not.
    ["0.0.0.0:5000", {}, /auth\.mode is anonymous.*--insecure-public/],
    ["0.0.0.0:5000", TLS, /auth\.mode is anonymous/],
    ["0.0.0.0:5000", { "server.insecureHttp": true }, /--insecure-public/],
    // Accounts beyond loopback: TLS, or --insecure-http.
    ["0.0.0.0:5000", { "auth.mode": "accounts" }, /over plain HTTP.*--tls-cert.*--insecure-http/],
    ["[::]:5000", { "auth.mode": "accounts", "server.insecurePublic": true }, /--insecure-http/],
    ["10.1.2.3:5000", { "auth.mode": "accounts" }, /refusing to listen on 10\.1\.2\.3/],
  ])("refuses %s with %o, naming the fix", (listen, flags, reason) => {
    const answer = exposure(listen, flags);
    expect(answer.allowed).toBe(false);
    expect((answer as { reason: string }).reason).toMatch(reason);
  });

  it("allows accounts over TLS beyond loopback, and each explicit insecurity with a warning", () => {
    expect(exposure("0.0.0.0:5000", { "auth.mode": "accounts", ...TLS })).toEqual({ allowed: true });
    expect(exposure("0.0.0.0:5000", { "server.insecurePublic": true })).toMatchObject({
      allowed: true,
      warning: expect.stringMatching(/anyone who can reach the port may push and delete/),
    });
    expect(exposure("0.0.0.0:5000", { "auth.mode": "accounts", "server.insecureHttp": true })).toMatchObject({
      allowed: true,
      warning: expect.stringMatching(/in clear/),
    });
  });
});
