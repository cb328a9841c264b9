import { describe, expect, it } from "vitest";
import { EvidenceError } from "./errors.js";
import { type DigestResolver, requestDigestResolver } from "./resolve.js";

const DIGEST = `sha256:${"f".repeat(64)}`;

describe("requestDigestResolver", () => {
  it("resolves each tag once per request", async () => {
    let calls = 0;
    const resolver: DigestResolver = {
      resolveDigest: async () => {
        calls++;
        return DIGEST;
      },
    };
    const resolve = requestDigestResolver(resolver, { timeoutMs: 500 });
    const ref = { registry: "registry.example.com", repository: "team/app", tag: "1.0" };
    const results = await Promise.all([resolve(ref), resolve(ref), resolve({ ...ref, tag: "2.0" })]);
    expect(results).toEqual([{ digest: DIGEST }, { digest: DIGEST }, { digest: DIGEST }]);
    expect(calls).toBe(2);
    // A new request asks again: tags move.
    await requestDigestResolver(resolver, { timeoutMs: 500 })(ref);
    expect(calls).toBe(3);
  });

  it("turns failures and timeouts into errors", async () => {
    const resolve = requestDigestResolver(
      {
        resolveDigest: (ref, signal) =>
          ref.tag === "missing"
            ? Promise.reject(new Error("manifest unknown"))
            : new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
      },
      { timeoutMs: 30 },
    );
    expect(await resolve({ registry: "r.io", repository: "a", tag: "missing" })).toEqual({
      error: "manifest unknown",
    });
    expect(await resolve({ registry: "r.io", repository: "a", tag: "slow" })).toEqual({
      error: "timed out after 30ms",
    });
  });

  it("refuses a bad timeout", () => {
    expect(() => requestDigestResolver({ resolveDigest: async () => DIGEST }, { timeoutMs: 0 })).toThrow(
      EvidenceError,
    );
  });
});
