import { describe, expect, it } from "vitest";
import { DIGEST, resultsOf } from "../testing.js";

describe("digest", () => {
  it.each([
    [`registry.example.com/team/app@${DIGEST}`, DIGEST, true, "is referred to by digest"],
    ["registry.example.com/team/app:1.0", DIGEST, true, `was resolved to ${DIGEST}`],
    [
      "registry.example.com/team/app:1.0",
      undefined,
      false,
      "is referred to by tag and was not resolved to a digest",
    ],
  ])("%s (digest %s) passes: %s", (reference, digest, passed, reason) => {
    const image = digest === undefined ? { reference, digest: undefined } : { reference, digest };
    const [result] = resultsOf({ digest: true }, { image }, "digest");
    expect(result).toMatchObject({ rule: "digest", passed });
    expect(result!.reason).toContain(reason);
  });
});
