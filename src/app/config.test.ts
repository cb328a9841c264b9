import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../test/support/errors.js";
import { ConfigError, isLoopback, parseListen, resolveConfig } from "./config.js";
import { CONFIG_KEYS, envName } from "./config-keys.js";

const testdata = join(import.meta.dirname, "testdata");

describe("resolveConfig", () => {
  it("needs no file: the embedded defaults are SQLite and ./data on loopback", () => {
    const config = resolveConfig({ env: {} });
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 5000, insecurePublic: false });
    expect(config.storage.dataDir).toBe(join(process.cwd(), "data"));
    expect(config.database.url).toBe(join(process.cwd(), "data", "portcullis.db"));
    expect(config.registry).toEqual({
      deletion: true,
      maxManifestBytes: 4 * 1024 * 1024,
      uploadExpiryMs: 24 * 3_600_000,
      gc: { intervalMs: 3_600_000, gracePeriodMs: 3_600_000 },
      retention: { intervalMs: 24 * 3_600_000 },
      pullRecordIntervalMs: 10_000,
    });
  });

  it("reads a YAML file with durations and sizes", () => {
    const config = resolveConfig({ file: join(testdata, "valid.yaml"), env: {} });
    expect(config.server.port).toBe(6000);
    expect(config.storage).toMatchObject({ dataDir: "/tmp/portcullis-config-test", fsync: false });
    expect(config.registry.deletion).toBe(false);
    expect(config.registry.maxManifestBytes).toBe(8 * 1024 * 1024);
    expect(config.registry.gc).toEqual({ intervalMs: 0, gracePeriodMs: 30 * 60_000 });
    expect(config.log.level).toBe("warn");
  });

  it("lets the environment override the file, and flags override both", () => {
    const config = resolveConfig({
      file: join(testdata, "valid.yaml"),
      env: { PORTCULLIS_SERVER_LISTEN: "127.0.0.1:7000", PORTCULLIS_REGISTRY_GC_GRACE_PERIOD: "2h" },
      flags: { "server.listen": "127.0.0.1:8000" },
    });
    expect(config.server.port).toBe(8000);
    expect(config.registry.gc.gracePeriodMs).toBe(2 * 3_600_000);
  });

  it("offers an environment variable for every key", () => {
    expect(envName("registry.gc.gracePeriod")).toBe("PORTCULLIS_REGISTRY_GC_GRACE_PERIOD");
    expect(envName("server.insecurePublic")).toBe("PORTCULLIS_SERVER_INSECURE_PUBLIC");
    for (const key of CONFIG_KEYS) {
      const unset = key.type === "duration" ? "1d" : key.type === "integer" ? "5" : "/tmp/x.db";
      const value = key.type === "boolean" ? "true" : key.default === undefined ? unset : String(key.default);
      // The TLS files come in a pair; either alone is refused (tested below).
      const pair = key.path.startsWith("server.tls")
        ? { PORTCULLIS_SERVER_TLS_CERT: "/tmp/x.crt", PORTCULLIS_SERVER_TLS_KEY: "/tmp/x.key" }
        : key.path.startsWith("auth.ldap.")
          ? {
              PORTCULLIS_AUTH_LDAP_URL: "ldap://127.0.0.1",
              PORTCULLIS_AUTH_LDAP_USER_BASE: "dc=example,dc=org",
            }
          : key.path.startsWith("auth.oidc.")
            ? {
                PORTCULLIS_AUTH_OIDC_ISSUER: "https://sso.example.com",
                PORTCULLIS_AUTH_OIDC_CLIENT_ID: "portcullis",
                PORTCULLIS_AUTH_OIDC_CLIENT_SECRET_FILE: "/tmp/secret",
                PORTCULLIS_AUTH_OIDC_PUBLIC_URL: "https://registry.example.com",
              }
            : {};
      expect(() => resolveConfig({ env: { ...pair, [envName(key.path)]: value } }), key.path).not.toThrow();
    }
  });

  it("documents every key and its environment variable in the README", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const missing = CONFIG_KEYS.filter(
      (k) => !readme.includes(`\`${k.path}\``) || !readme.includes(envName(k.path)),
    );
    expect(missing.map((k) => k.path)).toEqual([]);
  });

  it("resolves the S3 driver's settings and refuses them incomplete", () => {
    const base = { PORTCULLIS_STORAGE_DRIVER: "s3", PORTCULLIS_STORAGE_S3_FORCE_PATH_STYLE: "true" };
    const config = resolveConfig({
      env: {
        ...base,
        PORTCULLIS_STORAGE_S3_BUCKET: "blobs",
        PORTCULLIS_STORAGE_S3_ENDPOINT: "http://127.0.0.1:7480/",
        PORTCULLIS_STORAGE_S3_PREFIX: "/site-a/",
        PORTCULLIS_STORAGE_S3_ACCESS_KEY_ID: "AK",
        PORTCULLIS_STORAGE_S3_SECRET_ACCESS_KEY: "SK",
      },
    });
    expect(config.storage.s3).toEqual({
      endpoint: "http://127.0.0.1:7480",
      region: "us-east-1",
      bucket: "blobs",
      prefix: "site-a",
      credentials: { accessKeyId: "AK", secretAccessKey: "SK" },
      forcePathStyle: true,
      maxConnections: 32,
      presignedRedirects: false,
      presignExpiryMs: 5 * 60_000,
    });
    expect(resolveConfig({ env: {} }).storage.s3).toBeUndefined();
    expect(thrownBy(ConfigError, () => resolveConfig({ env: base })).message).toContain("storage.s3.bucket");
    const half = { ...base, PORTCULLIS_STORAGE_S3_BUCKET: "b", PORTCULLIS_STORAGE_S3_ACCESS_KEY_ID: "AK" };
    expect(thrownBy(ConfigError, () => resolveConfig({ env: half })).message).toContain("set together");
    const long = { ...base, PORTCULLIS_STORAGE_S3_BUCKET: "b", PORTCULLIS_STORAGE_S3_PRESIGN_EXPIRY: "8d" };
    expect(thrownBy(ConfigError, () => resolveConfig({ env: long })).message).toContain("between 1s and 7d");
  });

  it("refuses a TLS certificate without its key", () => {
    const err = thrownBy(ConfigError, () =>
      resolveConfig({ env: { PORTCULLIS_SERVER_TLS_CERT: "/tmp/x.crt" } }),
    );
    expect(err.message).toContain("server.tlsCert and server.tlsKey go together");
  });

  it("names the unknown key and suggests the right one", () => {
    const err = thrownBy(ConfigError, () =>
      resolveConfig({ file: join(testdata, "unknown-key.yaml"), env: {} }),
    );
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toContain("unknown-key.yaml");
    expect(err.message).toContain("registry.gc.gracePeriodd");
  });

  it("names the key and source of a bad value", () => {
    const fromFile = thrownBy(ConfigError, () =>
      resolveConfig({ file: join(testdata, "bad-type.yaml"), env: {} }),
    );
    expect(fromFile.message).toMatch(/bad-type\.yaml: registry\.deletion: expected true or false/);
    const fromEnv = thrownBy(ConfigError, () =>
      resolveConfig({ env: { PORTCULLIS_REGISTRY_UPLOAD_EXPIRY: "soon" } }),
    );
    expect(fromEnv.message).toContain("PORTCULLIS_REGISTRY_UPLOAD_EXPIRY (registry.uploadExpiry)");
    const level = thrownBy(ConfigError, () => resolveConfig({ env: { PORTCULLIS_LOG_LEVEL: "loud" } }));
    expect(level.message).toContain("one of fatal, error");
  });

  it("refuses a missing file and invalid YAML clearly", () => {
    expect(
      thrownBy(ConfigError, () => resolveConfig({ file: join(testdata, "absent.yaml"), env: {} })).message,
    ).toContain("cannot read config file");
  });
});

describe("listen addresses", () => {
  it.each([
    ["127.0.0.1:5000", "127.0.0.1", 5000],
    ["localhost:80", "localhost", 80],
    ["[::1]:5000", "::1", 5000],
    ["0.0.0.0:443", "0.0.0.0", 443],
  ])("parses %s", (listen, host, port) => {
    expect(parseListen(listen)).toEqual({ host, port });
  });

  it.each(["5000", "host:", ":5000x", "host:70000", "a:b:c"])("refuses %s", (listen) => {
    expect(thrownBy(ConfigError, () => parseListen(listen)).code).toBe("CONFIG_INVALID");
  });

  it("knows loopback from public addresses", () => {
    expect(["127.0.0.1", "127.1.2.3", "localhost", "::1"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "10.0.0.1", "::", "example.com"].some(isLoopback)).toBe(false);
  });
});
