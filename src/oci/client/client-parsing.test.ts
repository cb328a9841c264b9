import { describe, expect, it } from "vitest";
import { ImageError } from "../errors.js";
import { parseChallenge } from "./challenge.js";
import { nextLink } from "./discovery.js";
import { credentialsFromDockerConfig } from "./docker-config.js";
import { apiHost, baseUrl } from "./endpoint.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("credentialsFromDockerConfig", () => {
  const config = JSON.stringify({
    auths: {
      "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass") },
      "ghcr.io": { username: "gh", password: "token" },
      "http://localhost:5000/v2/": { auth: b64("local:pw") },
      "helped.example": {},
    },
    credsStore: "desktop",
    credHelpers: { "gcr.io": "gcloud" },
  });
  it.each([
    ["docker.io", { username: "hubuser", password: "hub:pass" }],
    ["index.docker.io", { username: "hubuser", password: "hub:pass" }],
    ["ghcr.io", { username: "gh", password: "token" }],
    ["localhost:5000", { username: "local", password: "pw" }],
    ["quay.io", undefined],
  ])("%s", (registry, expected) => {
    expect(credentialsFromDockerConfig(config, registry)).toEqual(expected);
  });

  it("says clearly that credential helpers are not run", () => {
    for (const [registry, helper] of [
      ["gcr.io", "gcloud"],
      ["helped.example", "desktop"],
    ] as const) {
      const err = (() => {
        try {
          credentialsFromDockerConfig(config, registry);
        } catch (e) {
          return e as ImageError;
        }
      })();
      expect(err?.code).toBe("CREDENTIALS_UNSUPPORTED");
      expect(err?.message).toContain(`docker-credential-${helper}`);
    }
  });

  it("rejects malformed files without echoing secrets", () => {
    expect(() => credentialsFromDockerConfig("{", "x")).toThrow(ImageError);
    const bad = JSON.stringify({ auths: { "x.io": { auth: b64("no-colon-secret") } } });
    expect(() => credentialsFromDockerConfig(bad, "x.io")).toThrow(/not base64/);
    expect(() => credentialsFromDockerConfig(bad, "x.io")).not.toThrow(/no-colon-secret/);
  });
});

describe("parseChallenge", () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/alpine:pull",
        },
      },
    ],
    ['Basic realm="Registry Realm"', { scheme: "basic", params: { realm: "Registry Realm" } }],
    [
      'bearer realm="r", scope="a b",  error="insufficient_scope"',
      { scheme: "bearer", params: { realm: "r", scope: "a b", error: "insufficient_scope" } },
    ],
    ["Negotiate", { scheme: "other", params: {} }],
  ])("%s", (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });
  it("returns undefined without a header", () => {
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe("endpoints", () => {
  it.each([
    ["docker.io", "https://registry-1.docker.io"],
    ["localhost:5000", "http://localhost:5000"],
    ["127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["[::1]:5000", "http://[::1]:5000"],
    ["localhost", "http://localhost"],
    ["ghcr.io", "https://ghcr.io"],
    ["registry.local:5000", "https://registry.local:5000"],
  ])("%s → %s", (registry, url) => {
    expect(baseUrl(registry)).toBe(url);
  });
  it("uses plain HTTP when insecure and maps Docker Hub", () => {
    expect(baseUrl("registry.local:5000", true)).toBe("http://registry.local:5000");
    expect(apiHost("index.docker.io")).toBe("registry-1.docker.io");
  });
});

describe("nextLink", () => {
  it("reads rel=next relative to the request URL", () => {
    expect(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"', "http://r:5000/v2/a/tags/list?n=2")).toBe(
      "http://r:5000/v2/a/tags/list?n=2&last=b",
    );
    expect(nextLink('<https://x/y>; rel="prev"', "http://r")).toBeUndefined();
    expect(nextLink(null, "http://r")).toBeUndefined();
  });
});
