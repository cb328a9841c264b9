// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./app";

/**
 * Labels, annotations, tags, package names, advisory text, decision reasons and policy text are
 * written by whoever pushed an image or runs a workload: the console must show them as text. These
 * answers carry markup in every string; the page must show it literally and create no element from it.
 */
const HOSTILE = `<img src=x onerror="globalThis.pwned=1"><script>globalThis.pwned=1</script>`;
const DIGEST = `sha256:${"c".repeat(64)}`;
const COUNTS = { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 };

const decision = {
  id: 1,
  at: "2026-12-07T10:00:00Z",
  gate: "pull",
  effect: "deny",
  mode: "enforce",
  image: `team/app${HOSTILE}`,
  digest: DIGEST,
  actor: HOSTILE,
  namespace: null,
  workload: null,
  reason: `denied: ${HOSTILE}`,
  rules: [{ id: "signedBy", outcome: "deny", message: HOSTILE }],
  breakGlass: null,
  caller: null,
  hash: "h",
};

const ANSWERS: Record<string, unknown> = {
  "/api/v1/system/info": {
    version: "0.1.0",
    authMode: "anonymous",
    oidc: false,
    registryHost: "127.0.0.1:5000",
  },
  "/api/v1/me": { name: "anonymous", kind: "anonymous", admin: true },
  "/api/v1/repositories": {
    total: 1,
    page: 1,
    perPage: 50,
    items: [{ name: `team/app`, project: HOSTILE, tagCount: 1, artifactCount: 1, size: 10, updatedAt: null }],
  },
  "/api/v1/repositories/team/app/artifacts": {
    total: 1,
    page: 1,
    perPage: 50,
    items: [
      {
        digest: DIGEST,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: null,
        tags: [HOSTILE],
        size: 10,
        pushedAt: "2026-12-07T10:00:00Z",
        pushedBy: HOSTILE,
        platforms: [HOSTILE],
        signed: { signatures: 1, verified: true, by: [HOSTILE] },
        scan: { status: "done", counts: COUNTS, scannedAt: null },
        verdict: { gate: "pull", effect: "deny", at: "2026-12-07T10:00:00Z", reason: HOSTILE },
      },
    ],
  },
  [`/api/v1/repositories/team/app/manifests/${DIGEST}`]: {
    repository: "team/app",
    digest: DIGEST,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    size: 10,
    tags: [HOSTILE],
    pushedAt: null,
    pushedBy: HOSTILE,
    platforms: [],
    image: {
      digest: DIGEST,
      created: null,
      author: HOSTILE,
      os: "linux",
      architecture: "amd64",
      variant: null,
      user: HOSTILE,
      entrypoint: [HOSTILE],
      cmd: null,
      workingDir: null,
      labels: { [HOSTILE]: HOSTILE },
      exposedPorts: [],
      layers: [{ digest: DIGEST, mediaType: "x", size: 1, createdBy: HOSTILE }],
      history: [{ created: null, createdBy: HOSTILE, emptyLayer: false, comment: HOSTILE }],
    },
    baseImage: { name: HOSTILE, digest: null, source: "label" },
    scan: { status: "done", counts: COUNTS, scannedAt: null, databaseRevision: null },
    supplyChain: {
      signatures: [{ format: "cosign", digest: DIGEST, verified: true, signer: HOSTILE, reason: HOSTILE }],
      attestations: [{ predicateType: HOSTILE, digest: DIGEST, verified: null, signer: null }],
      provenance: { builder: HOSTILE, source: HOSTILE, dockerfileDigest: null, baseImages: [] },
      lint: null,
      referrers: [
        {
          digest: DIGEST,
          mediaType: "x",
          artifactType: HOSTILE,
          size: 1,
          annotations: { [HOSTILE]: HOSTILE },
        },
      ],
    },
    decisions: { total: 1, latest: decision },
  },
  [`/api/v1/repositories/team/app/manifests/${DIGEST}/packages`]: {
    total: 1,
    page: 1,
    perPage: 100,
    ecosystems: [{ name: HOSTILE, count: 1 }],
    items: [
      {
        name: HOSTILE,
        version: HOSTILE,
        ecosystem: HOSTILE,
        purl: null,
        licenses: [HOSTILE],
        layer: null,
        paths: [HOSTILE],
      },
    ],
  },
  [`/api/v1/repositories/team/app/manifests/${DIGEST}/findings`]: {
    total: 1,
    page: 1,
    perPage: 50,
    counts: COUNTS,
    items: [
      {
        package: { name: HOSTILE, version: "1", ecosystem: "npm", purl: null },
        findings: [
          {
            id: "CVE-1",
            aliases: [HOSTILE],
            severity: "critical",
            cvss: { version: "3.1", vector: HOSTILE, score: 9.8 },
            fixedIn: [HOSTILE],
            summary: HOSTILE,
            vex: { status: "affected", justification: HOSTILE },
            exception: { reason: HOSTILE, expires: null },
            exceptions: [
              {
                policy: HOSTILE,
                rule: "defaultRule",
                id: "CVE-1",
                reason: HOSTILE,
                until: "2099-12-31",
                inForce: true,
              },
              {
                policy: "pull",
                rule: HOSTILE,
                id: "CVE-1",
                reason: "old",
                until: "2026-01-01",
                inForce: false,
              },
            ],
          },
        ],
      },
    ],
  },
  [`/api/v1/repositories/team/app/manifests/${DIGEST}/decisions`]: {
    total: 1,
    page: 1,
    perPage: 50,
    items: [decision],
  },
  "/api/v1/audit/decisions": { total: 1, page: 1, perPage: 50, items: [decision] },
  "/api/v1/audit/verify": { ok: true, checked: 1, head: "x", brokenAt: null },
  "/api/v1/policies": {
    items: [
      {
        name: "pull",
        kind: "pull",
        source: HOSTILE,
        digest: "d",
        requirements: [{ id: "signedBy", description: HOSTILE }],
        text: HOSTILE,
      },
    ],
  },
};

function fakeFetch(input: RequestInfo | URL): Promise<Response> {
  const url = new URL(String(input), "http://console.test");
  const body = ANSWERS[decodeURIComponent(url.pathname)];
  return Promise.resolve(
    body === undefined
      ? new Response(JSON.stringify({ errors: [{ code: "NOT_FOUND", message: "no" }] }), { status: 404 })
      : new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } }),
  );
}

beforeEach(() => {
  vi.stubGlobal("fetch", vi.fn(fakeFetch));
  (globalThis as { pwned?: number }).pwned = undefined;
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function open(path: string, expectText: string | RegExp): Promise<HTMLElement> {
  window.history.replaceState(null, "", path);
  const { container } = render(<App />);
  await screen.findAllByText(expectText, {}, { timeout: 5000 });
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  return container;
}

function expectInert(container: HTMLElement) {
  expect(container.querySelector("img, script, iframe, object")).toBeNull();
  expect(container.querySelector("[onerror]")).toBeNull();
  expect(container.textContent).toContain(HOSTILE);
  expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
}

describe("hostile strings stay text", () => {
  // Each tab with a text only its loaded content shows.
  const tabs: [string, string | RegExp][] = [
    ["overview", "At a glance"],
    ["layers", /^History/],
    ["packages", "Found at"],
    ["vulnerabilities", "CVE-1"],
    ["supply-chain", "Provenance (SLSA)"],
    ["decisions", "Decisions on this image"],
  ];
  const pages: [string, string | RegExp][] = [
    ["/repositories", "team/app"],
    ["/repositories/team/app", /Images in team\/app/],
    ...tabs.map(([tab, marker]): [string, string | RegExp] => [
      `/repositories/team/app/manifests/${DIGEST}?tab=${tab}`,
      marker,
    ]),
    ["/decisions", /Gate decisions/],
    ["/policies", "Requirements"],
  ];
  for (const [path, marker] of pages) {
    it(path, async () => {
      const container = await open(path, marker);
      await screen.findAllByText(
        (_, element) => element?.textContent?.includes(HOSTILE) ?? false,
        {},
        { timeout: 5000 },
      );
      expectInert(container);
    });
  }
});
