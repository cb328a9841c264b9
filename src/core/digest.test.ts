import { describe, expect, it } from "vitest";
import { Digester, digestOf, isValidDigest, parseDigest } from "./digest.js";
import { CoreError } from "./errors.js";

const SHA256_EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const SHA512_ABC =
  "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

function codeOf(input: string): string | undefined {
  try {
    parseDigest(input);
    return undefined;
  } catch (err) {
    return err instanceof CoreError ? err.code : "not a CoreError";
  }
}

describe("digests", () => {
  it("hashes with sha256 and sha512", () => {
    expect(digestOf(new Uint8Array())).toBe(SHA256_EMPTY);
    expect(digestOf("abc", "sha512")).toBe(SHA512_ABC);
  });

  it("parses registered algorithms", () => {
    expect(parseDigest(SHA256_EMPTY)).toEqual({
      algorithm: "sha256",
      hex: SHA256_EMPTY.slice(7),
      value: SHA256_EMPTY,
    });
    expect(parseDigest(SHA512_ABC).algorithm).toBe("sha512");
  });

  it.each([
    ["", "DIGEST_INVALID"],
    ["sha256", "DIGEST_INVALID"],
    ["sha256:", "DIGEST_INVALID"],
    [`${SHA256_EMPTY}0`, "DIGEST_INVALID"],
    [SHA256_EMPTY.toUpperCase(), "DIGEST_INVALID"],
    ["sha256:zz", "DIGEST_INVALID"],
    ["md5:d41d8cd98f00b204e9800998ecf8427e", "DIGEST_UNSUPPORTED"],
    ["sha384:abc", "DIGEST_UNSUPPORTED"],
    ["sha256:../../etc/passwd", "DIGEST_INVALID"],
  ])("refuses %j with %s", (input, code) => {
    expect(codeOf(input)).toBe(code);
    expect(isValidDigest(input)).toBe(false);
  });

  it("keeps a running digest that can be copied between chunks", () => {
    const digester = new Digester("sha256");
    digester.update(Buffer.from("hel"));
    const copy = digester.copy();
    digester.update(Buffer.from("lo"));
    copy.update(Buffer.from("lo"));
    expect(digester.digest()).toBe(digestOf("hello"));
    expect(copy.digest()).toBe(digestOf("hello"));
    expect(digester.size).toBe(5);
    // digest() does not end the digester.
    digester.update(Buffer.from("!"));
    expect(digester.digest()).toBe(digestOf("hello!"));
  });
});
