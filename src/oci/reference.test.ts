import { describe, expect, it } from "vitest";
import { formatImageReference, type ImageReference, parseImageReference } from "./reference.js";
import { errorOf } from "./testing/fixtures.js";

const HEX = "6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";
const DIGEST = `sha256:${HEX}`;

describe("parseImageReference", () => {
  it.each<[string, ImageReference]>([
    ["ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
    ["ubuntu:22.04", { registry: "docker.io", repository: "library/ubuntu", tag: "22.04" }],
    ["bitnami/redis:7.2", { registry: "docker.io", repository: "bitnami/redis", tag: "7.2" }],
    ["docker.io/ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
    ["index.docker.io/library/ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
    ["localhost/foo", { registry: "localhost", repository: "foo" }],
    ["localhost:5000/foo:bar", { registry: "localhost:5000", repository: "foo", tag: "bar" }],
    ["localhost:5000", { registry: "docker.io", repository: "library/localhost", tag: "5000" }],
    [`127.0.0.1:5000/a/b@${DIGEST}`, { registry: "127.0.0.1:5000", repository: "a/b", digest: DIGEST }],
    [
      `ghcr.io/org/img:tag@${DIGEST}`,
      { registry: "ghcr.io", repository: "org/img", tag: "tag", digest: DIGEST },
    ],
    ["[::1]:5000/x:y", { registry: "[::1]:5000", repository: "x", tag: "y" }],
    ["[2001:db8::1]/team/app", { registry: "[2001:db8::1]", repository: "team/app" }],
    [
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/service:v1",
      { registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com", repository: "team/service", tag: "v1" },
    ],
    ["Registry.Example.COM/app", { registry: "Registry.Example.COM", repository: "app" }],
    ["registry.k8s.io/pause:3.9", { registry: "registry.k8s.io", repository: "pause", tag: "3.9" }],
    ["quay.io/prometheus/node-exporter", { registry: "quay.io", repository: "prometheus/node-exporter" }],
    [
      `library/ubuntu@sha512:${"ab".repeat(64)}`,
      { registry: "docker.io", repository: "library/ubuntu", digest: `sha512:${"ab".repeat(64)}` },
    ],
  ])("parses %j", (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it("uses the default registry without the Docker Hub library/ prefix", () => {
    const options = { defaultRegistry: "registry.internal:8443" };
    expect(parseImageReference("ubuntu:22.04", options)).toEqual({
      registry: "registry.internal:8443",
      repository: "ubuntu",
      tag: "22.04",
    });
    expect(parseImageReference("ghcr.io/a/b", options)).toEqual({ registry: "ghcr.io", repository: "a/b" });
    expect(errorOf(() => parseImageReference("x", { defaultRegistry: "bad host" })).message).toMatch(
      /default registry host "bad host"/,
    );
  });

  it.each([
    ["UPPER/x", /repository name must be lowercase/],
    ["Ubuntu:latest", /repository name must be lowercase/],
    ["ghcr.io/Org/img", /repository name must be lowercase/],
    ["x:", /tag is empty/],
    ["x:.bad", /tag must start with/],
    [`x:${"a".repeat(129)}`, /maximum is 128/],
    ["x@sha256:bad", /invalid digest "sha256:bad"/],
    ["x@", /digest after '@' is empty/],
    [`x@md5:${"a".repeat(32)}`, /unsupported digest algorithm "md5"/],
    [`x@${DIGEST}@${DIGEST}`, /invalid digest/],
    ["", /reference is empty/],
    [":tag", /repository name is empty/],
    ["localhost/", /repository name is empty/],
    ["/x", /must not start with '\/'/],
    ["a//b", /empty path component/],
    ["ghcr.io//b", /must not start with '\/'/],
    ["my-.registry.io/x", /registry host "my-.registry.io" is not a valid host name/],
    ["registry..io/x", /not a valid host name/],
    ["localhost:port/x", /registry port "port" must be a number/],
    ["localhost:/x", /registry port "" must be a number/],
    [":5000/x", /empty host name/],
    ["[::1/x", /unclosed '\['/],
    ["[::g]:5000/x", /not a valid IPv6 address/],
    ["[::1]x/y", /text after its IPv6 address/],
    ["[fe80::1%25eth0]/x", /not a valid IPv6 address/],
    ["a b", /is invalid/],
    [HEX, /image ID/],
    [`ghcr.io/${"a".repeat(250)}`, /together must not be more than 255 characters/],
  ])("refuses %j", (input, message) => {
    const err = errorOf(() => parseImageReference(input));
    expect(err.code).toBe("REFERENCE_INVALID");
    expect(err.message).toMatch(message);
  });
});

describe("formatImageReference", () => {
  it.each([
    ["ubuntu", "docker.io/library/ubuntu"],
    ["localhost:5000/foo:bar", "localhost:5000/foo:bar"],
    [`ghcr.io/org/img:tag@${DIGEST}`, `ghcr.io/org/img:tag@${DIGEST}`],
    [`[::1]:5000/x@${DIGEST}`, `[::1]:5000/x@${DIGEST}`],
  ])("formats %j as %j", (input, formatted) => {
    const ref = parseImageReference(input);
    expect(formatImageReference(ref)).toBe(formatted);
    expect(parseImageReference(formatted)).toEqual(ref);
  });
});
