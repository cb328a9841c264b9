import { describe, expect, it } from "vitest";
import { normaliseImage, pinnedImage } from "./image-reference.js";

const D = `sha256:${"a".repeat(64)}`;
const E = `sha256:${"b".repeat(64)}`;

describe("normaliseImage", () => {
  // As the kubelet's runtime resolves them (docker/distribution ParseNormalizedNamed + TagNameOnly).
  const table: [string, string][] = [
    ["nginx", "docker.io/library/nginx:latest"],
    ["nginx:1.27", "docker.io/library/nginx:1.27"],
    ["library/nginx", "docker.io/library/nginx:latest"],
    ["bitnami/redis:7.2", "docker.io/bitnami/redis:7.2"],
    ["docker.io/nginx", "docker.io/library/nginx:latest"],
    ["index.docker.io/library/nginx:1", "docker.io/library/nginx:1"],
    ["registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/a/b/c", "localhost:5000/a/b/c:latest"],
    ["localhost:5000/a/b/c:v1", "localhost:5000/a/b/c:v1"],
    ["127.0.0.1:5000/team/app:dev", "127.0.0.1:5000/team/app:dev"],
    ["[::1]:5000/app", "[::1]:5000/app:latest"],
    [`nginx@${D}`, `docker.io/library/nginx@${D}`],
    [`nginx:1.27@${D}`, `docker.io/library/nginx:1.27@${D}`],
    [`ghcr.io/org/app:v2@${D}`, `ghcr.io/org/app:v2@${D}`],
    ["quay.io/prometheus/node-exporter:v1.8.0", "quay.io/prometheus/node-exporter:v1.8.0"],
  ];
  it.each(table)("%s → %s", (input, canonical) => {
    const result = normaliseImage(input);
    expect(result).toMatchObject({ ok: true, canonical });
  });

  const bad: [string, RegExp][] = [
    ["", /no image/],
    ["imageValue", /lowercase/],
    ["nginx:", /tag is empty/],
    ["nginx@sha256:abc", /invalid digest/],
    [" nginx", /invalid image reference/],
    ["a".repeat(64), /image ID/],
    ["localhost:port/app", /port/],
  ];
  it.each(bad)("refuses %j", (input, message) => {
    const result = normaliseImage(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe("pinnedImage", () => {
  it.each([
    ["nginx", false, `docker.io/library/nginx@${E}`],
    ["nginx", true, `docker.io/library/nginx:latest@${E}`],
    ["localhost:5000/a/b/c:v1", false, `localhost:5000/a/b/c@${E}`],
    ["localhost:5000/a/b/c:v1", true, `localhost:5000/a/b/c:v1@${E}`],
  ])("%s (keepTag %s) → %s", (input, keepTag, expected) => {
    const result = normaliseImage(input);
    if (!result.ok) throw new Error(result.error);
    expect(pinnedImage(result.reference, E, keepTag)).toBe(expected);
  });
});
