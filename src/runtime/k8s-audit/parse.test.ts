import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RuntimeError } from "../errors.js";
import { RUNTIME_LIMITS } from "../limits.js";
import { parseAuditEventList, parseAuditEventListInTurns } from "./parse.js";

const list = (): { apiVersion: string; kind: string; items: Record<string, unknown>[] } =>
  JSON.parse(readFileSync(new URL("../testdata/k8s-audit/eventlist.json", import.meta.url), "utf8"));

const APP = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";
const SIDECAR = "sha256:6c8b4535ccc87f19061c4646189e33d78f01c8b63dc4e3cb2f630b1796ee93b6";

function refused(body: unknown): RuntimeError {
  try {
    parseAuditEventList(body);
  } catch (err) {
    if (err instanceof RuntimeError) return err;
    throw err;
  }
  throw new Error("expected a RuntimeError");
}

describe("parseAuditEventList", () => {
  const { events, skipped } = parseAuditEventList(list());

  it("keeps only final stages of workload changes and pod streams", () => {
    // RequestReceived, ResponseStarted, a configmap read and a kubelet status patch are skipped.
    expect(skipped).toBe(4);
    expect(events.map((e) => e.summary)).toEqual([
      `alice@example.com patch deployment shop/web with registry.example.com:5000/team/web@${APP}`,
      `system:serviceaccount:kube-system:replicaset-controller create pod shop/web-7c9d8b6f5-x2x9q with registry.example.com:5000/team/web@${APP}`,
      `system:serviceaccount:kube-system:replicaset-controller create pod shop/web-7c9d8b6f5-x2x9q with docker.io/istio/proxyv2:1.23.0@${SIDECAR}`,
      "bob@example.com exec pod shop/web-7c9d8b6f5-x2x9q",
      "mallory@example.com delete pod shop/web-7c9d8b6f5-x2x9q (failed 403)",
      "bob@example.com portforward pod shop/web-7c9d8b6f5-x2x9q",
    ]);
    expect(events.every((e) => e.kind === "k8s.audit" && e.namespace === "shop")).toBe(true);
  });

  it("keeps what the written pod spec let it do (the timeline's exposure), not the spec itself", () => {
    const created = events[1]!.payload as { exposure?: { containers?: { name: string }[] } };
    expect(created.exposure?.containers?.map((c) => c.name)).toEqual(expect.arrayContaining(["web"]));
    expect((events[3]!.payload as { exposure?: unknown }).exposure).toBeUndefined();
  });

  it("records a deployment patch with the images of its template and the digest pinned", () => {
    const patch = events[0]!;
    expect(patch).toMatchObject({
      actor: "alice@example.com",
      digest: APP,
      at: Date.parse("2026-12-07T13:00:00.154Z"),
    });
    expect(patch.pod).toBeUndefined();
    expect(patch.payload).toMatchObject({
      auditID: "0b7c1e7a-6f1d-4a7e-9d2b-1a2b3c4d5e01",
      action: "patch",
      workload: { kind: "deployment", resource: "deployments", name: "web" },
      failed: false,
      images: [
        { container: "web", image: `registry.example.com:5000/team/web@${APP}`, digest: APP },
        { container: "log-shipper", image: "fluent/fluent-bit:3.1" },
      ],
      annotations: { "authorization.k8s.io/decision": "allow" },
    });
  });

  it("records a controller's pod create once per pinned digest, with its generated name and owner", () => {
    const [app, sidecar] = [events[1]!, events[2]!];
    expect(app).toMatchObject({ pod: "web-7c9d8b6f5-x2x9q", digest: APP });
    expect(sidecar).toMatchObject({ pod: "web-7c9d8b6f5-x2x9q", digest: SIDECAR });
    expect(app.payload).toBe(sidecar.payload);
    expect(app.payload).toMatchObject({
      owner: { kind: "ReplicaSet", name: "web-7c9d8b6f5" },
      images: [
        { container: "migrate", image: "registry.example.com:5000/team/web-migrate:1.4.2" },
        { container: "web", digest: APP },
        { container: "istio-proxy", digest: SIDECAR },
      ],
    });
  });

  it("records an exec with its command, and a forbidden delete as failed without images", () => {
    const exec = events[3]!;
    expect(exec).toMatchObject({ actor: "bob@example.com", pod: "web-7c9d8b6f5-x2x9q" });
    expect(exec.digest).toBeUndefined();
    expect(exec.payload).toMatchObject({
      action: "exec",
      subresource: "exec",
      command: ["sh", "-c", "clear; (bash || ash || sh)"],
    });
    const denied = events[4]!;
    expect(denied.payload).toMatchObject({
      failed: true,
      responseStatus: { code: 403, reason: "Forbidden" },
    });
    expect(denied.payload.images).toBeUndefined();
  });

  it("reads the same, a slice of items per turn, and refuses the same", async () => {
    const many = { ...list(), items: Array.from({ length: 1000 }, (_, i) => list().items[i % 9]) };
    expect(await parseAuditEventListInTurns(many)).toEqual(parseAuditEventList(many));
    const bad = { ...many, items: [...many.items, { ...list().items[2], verb: 7 }] };
    await expect(parseAuditEventListInTurns(bad)).rejects.toThrow(/items\[1000\]\.verb: must be a string/);
  });

  it("refuses a workload of the same resource name in another API group", () => {
    const item = {
      ...list().items[1]!,
      objectRef: { resource: "deployments", namespace: "shop", name: "web", apiGroup: "example.com" },
    };
    expect(parseAuditEventList({ apiVersion: "audit.k8s.io/v1", kind: "EventList", items: [item] })).toEqual({
      events: [],
      skipped: 1,
    });
  });

  it("marks a Panic stage as failed", () => {
    const item = { ...list().items[4]!, stage: "Panic", responseStatus: { code: 500 } };
    const [event] = parseAuditEventList({
      apiVersion: "audit.k8s.io/v1",
      kind: "EventList",
      items: [item],
    }).events;
    expect(event?.payload.failed).toBe(true);
  });

  const one = (item: Record<string, unknown>) => ({
    apiVersion: "audit.k8s.io/v1",
    kind: "EventList",
    items: [item],
  });
  const created = list().items[2]!;
  const bad: [string, unknown, string, RegExp][] = [
    ["a body that is not an object", [], "RUNTIME_INPUT_INVALID", /\(document\): must be an object/],
    [
      "the wrong apiVersion",
      { ...list(), apiVersion: "audit.k8s.io/v1beta1" },
      "RUNTIME_INPUT_INVALID",
      /apiVersion: must be "audit.k8s.io\/v1"/,
    ],
    ["the wrong kind", { ...list(), kind: "Event" }, "RUNTIME_INPUT_INVALID", /kind: must be "EventList"/],
    [
      "items not a list",
      { ...list(), items: {} },
      "RUNTIME_INPUT_INVALID",
      /items: must be a list of events/,
    ],
    [
      "an item without auditID",
      one({ ...created, auditID: undefined }),
      "RUNTIME_INPUT_INVALID",
      /items\[0\]\.auditID: is required/,
    ],
    [
      "an unknown stage",
      one({ ...created, stage: "Done" }),
      "RUNTIME_INPUT_INVALID",
      /items\[0\]\.stage: must be one of/,
    ],
    [
      "user of the wrong type",
      one({ ...created, user: "alice" }),
      "RUNTIME_INPUT_INVALID",
      /items\[0\]\.user: must be an object/,
    ],
    [
      "a bad timestamp",
      one({ ...created, stageTimestamp: "13:00" }),
      "RUNTIME_INPUT_INVALID",
      /stageTimestamp: must be an RFC 3339/,
    ],
    [
      "no timestamp at all",
      one({ ...created, stageTimestamp: undefined, requestReceivedTimestamp: undefined }),
      "RUNTIME_INPUT_INVALID",
      /items\[0\]: has no timestamp/,
    ],
    [
      "containers not a list",
      one({ ...created, responseObject: { kind: "Pod", metadata: { name: "p" }, spec: { containers: {} } } }),
      "RUNTIME_INPUT_INVALID",
      /items\[0\]\.spec\.containers: must be a list of containers/,
    ],
    [
      "an annotation not a string",
      one({ ...created, annotations: { a: 1 } }),
      "RUNTIME_INPUT_INVALID",
      /items\[0\]\.annotations\.a: must be a string/,
    ],
    [
      "too many containers",
      one({
        ...created,
        responseObject: {
          kind: "Pod",
          spec: { containers: Array.from({ length: 129 }, (_, i) => ({ name: `c${i}`, image: "x" })) },
        },
      }),
      "RUNTIME_INPUT_TOO_LARGE",
      /129 containers/,
    ],
    [
      "too many items",
      { ...list(), items: Array.from({ length: RUNTIME_LIMITS.auditItemsPerRequest + 1 }, () => created) },
      "RUNTIME_INPUT_TOO_LARGE",
      /10001 audit events/,
    ],
    [
      "a bad item after good ones",
      { ...list(), items: [...list().items, { ...created, verb: 7 }] },
      "RUNTIME_INPUT_INVALID",
      /items\[9\]\.verb: must be a string/,
    ],
  ];
  it.each(bad)("refuses %s", (_name, body, code, message) => {
    const err = refused(body);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });
});
