import { describe, expect, it } from "vitest";
import { DIGEST, resultsOf } from "../testing.js";

const REQUIRE = {
  baseImage: { approved: ["debian:12*", { name: "gcr.io/distroless/static", digests: [DIGEST] }, "alpine"] },
};

describe("baseImage", () => {
  it.each([
    [
      { name: "docker.io/library/debian:12-slim" },
      true,
      'base image "docker.io/library/debian:12-slim" is approved (debian)',
    ],
    [{ name: "debian:11" }, false, 'base image "debian:11" is approved, but not at "11"'],
    [{ name: "gcr.io/distroless/static", digest: DIGEST }, true, "is approved (gcr.io/distroless/static)"],
    [{ name: "gcr.io/distroless/static:latest" }, false, "is approved, but not at"],
    [{ name: "alpine:3.20" }, true, "is approved (alpine)"],
    [{ name: "ubuntu:24.04" }, false, 'base image "ubuntu:24.04" is not on the approved list'],
    [{ name: "Not A Reference" }, false, 'recorded base image "Not A Reference" is not an image reference'],
    [undefined, false, "the image does not record its base image"],
  ])("%j passes: %s", (base, passed, reason) => {
    const [result] = resultsOf(REQUIRE, { evidence: base ? { base } : {} }, "baseImage");
    expect(result).toMatchObject({ rule: "baseImage", passed });
    expect(result!.reason).toContain(reason);
  });
});
