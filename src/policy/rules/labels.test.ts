import { describe, expect, it } from "vitest";
import { resultsOf } from "../testing.js";

const config = {
  labels: { "org.opencontainers.image.source": "https://github.com/example/app", team: "" },
  annotations: { "org.opencontainers.image.revision": "abc123" },
};

describe("labels", () => {
  it.each([
    [
      "org.opencontainers.image.source",
      true,
      'label or annotation "org.opencontainers.image.source" is "https://github.com/example/app"',
    ],
    [{ name: "org.opencontainers.image.source", value: "https://github.com/example/*" }, true, "is"],
    [
      { name: "org.opencontainers.image.source", value: "https://gitlab.com/*" },
      false,
      'which does not match "https://gitlab.com/*"',
    ],
    [
      { name: "org.opencontainers.image.revision", from: "annotation" },
      true,
      'manifest annotation "org.opencontainers.image.revision"',
    ],
    [
      { name: "org.opencontainers.image.revision", from: "label" },
      false,
      'image label "org.opencontainers.image.revision" is missing',
    ],
    ["team", false, 'label or annotation "team" is missing'],
    ["maintainer", false, "is missing"],
  ])("%j passes: %s", (label, passed, reason) => {
    const [result] = resultsOf({ labels: [label] }, { evidence: { config } }, "labels");
    expect(result).toMatchObject({ rule: "labels", passed });
    expect(result!.reason).toContain(reason);
  });
});

// Issue 22, item 14: label names are user keys; Object.prototype's must not answer for them.
describe("labels named like Object.prototype's keys", () => {
  it.each(["constructor", "toString", "__proto__"])("a missing %s label is missing", (name) => {
    const [result] = resultsOf(
      { labels: [name] },
      { evidence: { config: { labels: { team: "a" }, annotations: {} } } },
      "labels",
    );
    expect(result).toMatchObject({ passed: false, reason: `label or annotation "${name}" is missing` });
  });

  it("a __proto__ label that is present is read", () => {
    const labels = JSON.parse('{"__proto__": "yes"}') as Record<string, string>;
    const [result] = resultsOf(
      { labels: [{ name: "__proto__", value: "y*" }] },
      { evidence: { config: { labels } } },
      "labels",
    );
    expect(result).toMatchObject({ passed: true });
  });
});
