import { describe, expect, it } from "vitest";
import { SecretBox } from "./sealed.js";
import { refusedAddress, refusedUrl } from "./target.js";

describe("webhook targets (SSRF guard)", () => {
  it.each([
    ["https://hooks.example.com/portcullis?token=x", false],
    ["https://10.1.2.3/hook", false],
    ["https://[fd12::1]/hook", false],
    ["http://127.0.0.1:9000/hook", false],
    ["http://localhost/hook", false],
    ["http://[::1]:8080/hook", false],
  ])("accepts %s", (url, allowInsecure) => {
    expect(refusedUrl(url, allowInsecure)).toBeUndefined();
  });

  it.each([
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["https://169.254.170.2/v2/credentials", "link-local"],
    ["https://[fe80::1]/", "link-local"],
    ["https://[fe80::1%25eth0]/", "absolute URL"],
    ["https://[::ffff:a9fe:a9fe]/", "link-local"],
    ["https://[fd00:ec2::254]/", "metadata"],
    ["https://metadata.google.internal./computeMetadata/v1/", "metadata"],
    ["https://0.0.0.0/", "unspecified"],
    ["https://224.0.0.1/", "multicast"],
    ["http://10.1.2.3/hook", "only to loopback"],
    ["file:///etc/passwd", "https://"],
    ["https://a:b@example.com/", "user name or password"],
    ["not a url", "absolute URL"],
    [`https://example.com/${"x".repeat(2048)}`, "longer than"],
  ])("refuses %s", (url, says) => {
    expect(refusedUrl(url, false)).toContain(says);
  });

  it("allows plain HTTP beyond loopback only when asked, never to a forbidden address", () => {
    expect(refusedUrl("http://10.1.2.3/hook", true)).toBeUndefined();
    expect(refusedUrl("http://169.254.169.254/", true)).toContain("link-local");
  });

  it("checks resolved addresses, IPv4-mapped ones as IPv4", () => {
    expect(refusedAddress("169.254.169.254")).toContain("link-local");
    expect(refusedAddress("::ffff:169.254.169.254")).toContain("link-local");
    expect(refusedAddress("fe80::abcd")).toContain("link-local");
    expect(refusedAddress("93.184.216.34")).toBeUndefined();
    expect(refusedAddress("127.0.0.1")).toBeUndefined();
  });
});

describe("sealed webhook secrets", () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it("opens what it sealed for the same webhook only, and under the same key only", () => {
    const sealed = box.seal("wh_1", "whsec_abc");
    expect(sealed).not.toContain("abc");
    expect(box.open("wh_1", sealed)).toBe("whsec_abc");
    expect(box.open("wh_2", sealed)).toBeUndefined();
    expect(new SecretBox(Buffer.alloc(32, 8)).open("wh_1", sealed)).toBeUndefined();
    expect(box.open("wh_1", `${sealed.slice(0, -4)}AAAA`)).toBeUndefined();
    expect(box.open("wh_1", "v2.whatever")).toBeUndefined();
  });
});
