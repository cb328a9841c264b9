import { describe, expect, it } from "vitest";
import {
  checkRepositoryName,
  checkTag,
  isValidRepositoryName,
  isValidTag,
  parseManifestReference,
} from "./names.js";
import { errorOf } from "./testing/fixtures.js";

const SHA256 = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

describe("repository names", () => {
  it.each([
    "library/ubuntu",
    "a",
    "a/b/c",
    "foo_bar",
    "foo__bar",
    "foo---bar",
    "foo.bar",
    "my.registry/x",
    "0",
    "bitnami/postgresql-repmgr",
    "kubernetes-sigs/kind/node",
    "a1.b2_c3__d4-e5",
    "a".repeat(255),
  ])("accepts %j", (name) => {
    expect(isValidRepositoryName(name)).toBe(true);
    expect(checkRepositoryName(name)).toBe(name);
  });

  it.each([
    ["Upper", /must be lowercase/],
    ["library/Ubuntu", /must be lowercase/],
    ["a/../b", /path component "\.\." is invalid/],
    ["..", /is invalid/],
    [".", /is invalid/],
    ["a//b", /empty path component/],
    ["-a", /is invalid/],
    ["a-", /is invalid/],
    ["a_", /is invalid/],
    ["_a", /is invalid/],
    ["a___b", /is invalid/],
    ["a..b", /is invalid/],
    ["a._b", /is invalid/],
    ["a".repeat(256), /256 characters long; the maximum is 255/],
    ["a/", /must not end with '\/'/],
    ["/a", /must not start with '\/'/],
    ["", /is empty/],
    ["a b", /is invalid/],
    ["a:b", /is invalid/],
    ["a@b", /is invalid/],
    ["ubuntu\n", /is invalid/],
    ["caf\u00e9", /is invalid/],
  ])("refuses %j", (name, message) => {
    expect(isValidRepositoryName(name)).toBe(false);
    const err = errorOf(() => checkRepositoryName(name));
    expect(err.code).toBe("NAME_INVALID");
    expect(err.message).toMatch(message);
  });

  it("stays fast on hostile input", () => {
    const hostile = `${"a-".repeat(120)}!`;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) isValidRepositoryName(hostile);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("tags", () => {
  it.each([
    "latest",
    "v1.0.0",
    "sha256-6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b.sig",
    "sha256-abc.sig",
    "_",
    "1.25.3-alpine3.18",
    "UPPER_case-Tag.1",
    "a".repeat(128),
  ])("accepts %j", (tag) => {
    expect(isValidTag(tag)).toBe(true);
    expect(checkTag(tag)).toBe(tag);
  });

  it.each([
    ["a".repeat(129), /129 characters long; the maximum is 128/],
    [".x", /must start with/],
    ["-x", /must start with/],
    ["", /is empty/],
    ["v1+build", /may contain only/],
    ["a:b", /may contain only/],
    ["a/b", /may contain only/],
    ["t\u00e4g", /may contain only/],
  ])("refuses %j", (tag, message) => {
    expect(isValidTag(tag)).toBe(false);
    const err = errorOf(() => checkTag(tag));
    expect(err.code).toBe("TAG_INVALID");
    expect(err.message).toMatch(message);
  });
});

describe("parseManifestReference", () => {
  it.each([
    ["latest", { kind: "tag", tag: "latest" }],
    ["v1.2.3", { kind: "tag", tag: "v1.2.3" }],
    [SHA256, { kind: "digest", digest: SHA256 }],
    [`sha512:${"ab".repeat(64)}`, { kind: "digest", digest: `sha512:${"ab".repeat(64)}` }],
  ])("parses %j", (reference, expected) => {
    expect(parseManifestReference(reference)).toEqual(expected);
  });

  it.each([
    ["", "TAG_INVALID"],
    [".hidden", "TAG_INVALID"],
    ["a".repeat(129), "TAG_INVALID"],
    ["sha256:abc", "DIGEST_INVALID"],
    [SHA256.toUpperCase(), "DIGEST_INVALID"],
    [":", "DIGEST_INVALID"],
    ["latest:", "DIGEST_INVALID"],
    [`md5:${"a".repeat(32)}`, "DIGEST_UNSUPPORTED"],
    [`sha384:${"a".repeat(96)}`, "DIGEST_UNSUPPORTED"],
  ])("refuses %j with %s", (reference, code) => {
    const err = errorOf(() => parseManifestReference(reference));
    expect(err.code).toBe(code);
  });
});
