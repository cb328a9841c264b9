import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RuntimeError } from "../errors.js";
import { RUNTIME_LIMITS } from "../limits.js";
import { parseFalcoAlerts } from "./parse.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../testdata/falco/${name}`, import.meta.url), "utf8"));

const DIGEST = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";

function refused(body: unknown): RuntimeError {
  try {
    parseFalcoAlerts(body);
  } catch (err) {
    if (err instanceof RuntimeError) return err;
    throw err;
  }
  throw new Error("expected a RuntimeError");
}

describe("parseFalcoAlerts", () => {
  it("reads a Terminal shell in container alert (http_output): container, pod, actor; no digest", () => {
    const [event] = parseFalcoAlerts(fixture("terminal-shell.json"));
    expect(event).toMatchObject({
      kind: "runtime.alert",
      at: Date.parse("2026-12-07T13:02:11.417Z"),
      actor: "root",
      namespace: "shop",
      pod: "web-7c9d8b6f5-x2x9q",
      containerId: "3ad7b26ded6d",
      summary: "Falco notice: Terminal shell in container in shop/web-7c9d8b6f5-x2x9q",
    });
    expect(event?.digest).toBeUndefined();
    expect(event?.payload).toMatchObject({
      rule: "Terminal shell in container",
      priority: "notice",
      source: "syscall",
      time: "2026-12-07T13:02:11.417032116Z",
      containerName: "web",
      image: { repository: "registry.example.com:5000/team/web", tag: "1.4.2" },
      tags: ["T1059", "container", "maturity_stable", "mitre_execution", "shell"],
    });
    expect((event!.payload.fields as Record<string, unknown>)["proc.cmdline"]).toBe(
      "sh -c clear; (bash || ash || sh)",
    );
  });

  it("takes the digest from container.image.digest, lowercases the container id and drops <NA>", () => {
    const [event] = parseFalcoAlerts(fixture("drop-and-execute.json"));
    expect(event).toMatchObject({ digest: DIGEST, containerId: "9f1e0c27a4b3", actor: "app" });
    expect(event?.payload.priority).toBe("critical");
    expect(event?.payload.image).toEqual({
      repository: "registry.example.com:5000/team/web",
      digest: DIGEST,
    });
  });

  it("reads falcosidekick's webhook body; container.id host is no container", () => {
    const [event] = parseFalcoAlerts(fixture("falcosidekick-write-below-binary-dir.json"));
    expect(event).toMatchObject({
      kind: "runtime.alert",
      actor: "root",
      summary: "Falco error: Write below binary dir",
    });
    expect(event?.containerId).toBeUndefined();
    expect(event?.namespace).toBeUndefined();
    expect(event?.payload).toMatchObject({
      uuid: "4b2d2f5c-8a0e-4f7b-9d55-6a3c1e2f7b10",
      hostname: "localhost",
    });
  });

  it("names the user and pod of a k8saudit plugin alert from ka.* fields", () => {
    const [event] = parseFalcoAlerts(fixture("create-disallowed-pod.json"));
    expect(event).toMatchObject({
      actor: "alice",
      namespace: "shop",
      pod: "miner",
      summary: expect.stringContaining("Create Disallowed Pod"),
    });
    expect((event!.payload.fields as Record<string, unknown>)["ka.req.pod.containers.image"]).toEqual([
      "docker.io/library/xmrig:latest",
    ]);
  });

  it("reads a list of alerts in order", () => {
    const events = parseFalcoAlerts([fixture("terminal-shell.json"), fixture("drop-and-execute.json")]);
    expect(events.map((e) => e.payload.rule)).toEqual([
      "Terminal shell in container",
      "Drop and execute new binary in container",
    ]);
  });

  it("accepts a missing output_fields, source and tags (a minimal http_output body)", () => {
    const [event] = parseFalcoAlerts({
      output: "x",
      priority: "INFO",
      rule: "R",
      time: "2026-12-07T13:00:00+01:00",
    });
    expect(event).toMatchObject({
      at: Date.parse("2026-12-07T12:00:00Z"),
      payload: { priority: "informational", source: "syscall", tags: [] },
    });
  });

  const base = fixture("terminal-shell.json");
  const bad: [string, unknown, string, RegExp][] = [
    ["not an object", "alert", "RUNTIME_INPUT_INVALID", /\(document\): must be an object/],
    ["an empty list", [], "RUNTIME_INPUT_INVALID", /empty/],
    [
      "no rule",
      { ...base, rule: undefined },
      "RUNTIME_INPUT_INVALID",
      /^malformed Falco alert: rule: is required/,
    ],
    [
      "priority of the wrong type",
      { ...base, priority: 5 },
      "RUNTIME_INPUT_INVALID",
      /priority: must be a string/,
    ],
    [
      "an unknown priority",
      { ...base, priority: "Severe" },
      "RUNTIME_INPUT_INVALID",
      /priority: must be one of emergency/,
    ],
    [
      "a time that is not RFC 3339",
      { ...base, time: "yesterday" },
      "RUNTIME_INPUT_INVALID",
      /time: must be an RFC 3339/,
    ],
    [
      "a date without a time",
      { ...base, time: "2026-12-07" },
      "RUNTIME_INPUT_INVALID",
      /time: must be an RFC 3339/,
    ],
    [
      "tags not a list",
      { ...base, tags: "shell" },
      "RUNTIME_INPUT_INVALID",
      /tags: must be a list of strings/,
    ],
    [
      "an object as a field value",
      { ...base, output_fields: { "proc.cmdline": { a: 1 } } },
      "RUNTIME_INPUT_INVALID",
      /output_fields\.proc\.cmdline: must be a string/,
    ],
    [
      "output_fields a list",
      { ...base, output_fields: [] },
      "RUNTIME_INPUT_INVALID",
      /output_fields: must be a map/,
    ],
    [
      "a bad item in a list",
      [base, { ...base, rule: 1 }],
      "RUNTIME_INPUT_INVALID",
      /\[1\]\.rule: must be a string/,
    ],
    [
      "an output too long",
      { ...base, output: "x".repeat(RUNTIME_LIMITS.textLength + 1) },
      "RUNTIME_INPUT_TOO_LARGE",
      /output: must be at most/,
    ],
    [
      "too many fields",
      { ...base, output_fields: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, i])) },
      "RUNTIME_INPUT_TOO_LARGE",
      /output_fields: must hold at most 256 fields/,
    ],
    [
      "too many alerts",
      Array.from({ length: RUNTIME_LIMITS.alertsPerRequest + 1 }, () => base),
      "RUNTIME_INPUT_TOO_LARGE",
      /1001 Falco alerts/,
    ],
    [
      "a payload past the record's bound",
      {
        ...base,
        output_fields: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, "y".repeat(8000)])),
      },
      "RUNTIME_INPUT_TOO_LARGE",
      /alert: normalised event is \d+ bytes/,
    ],
  ];
  it.each(bad)("refuses %s", (_name, body, code, message) => {
    const err = refused(body);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });
});
