import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventRecord, type RecordEventInput } from "../audit/index.js";
import { openDatabase } from "../storage/index.js";
import { main } from "./main.js";
import { captureCli } from "./testing/capture.js";

const io = captureCli("portcullis-cli-timeline-");
const DIGEST = `sha256:${"ab".repeat(32)}`;
const T = Date.UTC(2026, 11, 1);

const events: RecordEventInput[] = [
  {
    kind: "image.pushed",
    at: T,
    actor: "ci",
    repository: "team/app",
    digest: DIGEST,
    summary: `ci pushed team/app@${DIGEST} as v1`,
    payload: { tags: ["v1"] },
  },
  {
    kind: "build.provenance",
    at: T - 1000,
    repository: "team/app",
    digest: DIGEST,
    summary: "built by https://github.com/actions/runner",
    payload: {
      builderId: "https://github.com/actions/runner",
      source: { uri: "git+https://example.com/team/app", digest: "sha1:abc" },
      dockerfileDigest: `sha256:${"cd".repeat(32)}`,
      verified: true,
    },
  },
  {
    kind: "image.scanned",
    at: T + 1000,
    repository: "team/app",
    digest: DIGEST,
    summary: "scan finished",
    payload: { status: "done", counts: { critical: 1, high: 2, medium: 0, low: 0, unknown: 0 } },
  },
  {
    kind: "k8s.audit",
    at: T + 2000,
    actor: "alice",
    namespace: "shop",
    pod: "web-1",
    digest: DIGEST,
    summary: "alice create pod shop/web-1 with team/app:v1",
    payload: {
      action: "create",
      exposure: {
        hostNetwork: true,
        hostPaths: [{ volume: "root", path: "/" }],
        containers: [{ name: "web", securityContext: { privileged: true, capabilitiesAdd: ["SYS_ADMIN"] } }],
      },
    },
  },
  { kind: "image.pulled", at: T + 3000, repository: "other/x", summary: "unrelated", payload: null },
];

async function seed(): Promise<void> {
  const database = await openDatabase(join(io.dir, "portcullis.db"));
  try {
    await new EventRecord(database).append(events);
  } finally {
    await database.close();
  }
}

async function cli(...args: string[]): Promise<number> {
  io.reset();
  return main(["node", "portcullis", "audit", "timeline", ...args, "--data", io.dir]);
}

describe("portcullis audit timeline", () => {
  it("shows an image's entries by time, each proof verified, the findings and what it might have done", async () => {
    await seed();
    expect(await cli("team/app:v1")).toBe(0);
    const lines = io.out.split("\n");
    const kinds = ["build.provenance", "image.pushed", "image.scanned", "k8s.audit"];
    expect(kinds.map((k) => lines.findIndex((l) => l.includes(k)))).toEqual(
      [...kinds.map((k) => lines.findIndex((l) => l.includes(k)))].sort((a, b) => a - b),
    );
    expect(io.out).toContain("builder https://github.com/actions/runner");
    expect(io.out).toContain("findings then: critical 1, high 2");
    expect(io.out).toContain("4 of 4 entries proved in the record's checkpoint of 5 entries");
    expect(io.out).toContain("host namespaces: hostNetwork");
    expect(io.out).toContain("hostPath mounts: /");
    expect(io.out).toContain("container web: privileged");
    expect(io.out).not.toContain("unrelated");

    expect(await cli(DIGEST, "--json")).toBe(0);
    const answer = JSON.parse(io.out) as {
      verified: boolean;
      digests: string[];
      entries: { kind: string; verified: boolean; proof: string[] }[];
      checkpoints: string[];
    };
    expect(answer.verified).toBe(true);
    expect(answer.digests).toEqual([DIGEST]);
    expect(answer.entries.map((e) => e.kind)).toEqual(kinds);
    expect(answer.entries.every((e) => e.verified && e.proof.length > 0)).toBe(true);
    expect(answer.checkpoints).toHaveLength(1);

    expect(await cli("--pod", "shop/web-1", "--json")).toBe(0);
    expect((JSON.parse(io.out) as { entries: unknown[] }).entries).toHaveLength(4);
  });

  it("marks an edited entry ✗ and exits 1", async () => {
    await seed();
    const database = await openDatabase(join(io.dir, "portcullis.db"));
    try {
      const row = await database.db
        .selectFrom("record_entries")
        .select("leaf")
        .where("idx", "=", 2)
        .executeTakeFirstOrThrow();
      await database.db
        .updateTable("record_entries")
        .set({ leaf: row.leaf.replace('"critical":1', '"critical":0') })
        .where("idx", "=", 2)
        .execute();
    } finally {
      await database.close();
    }
    expect(await cli("team/app:v1")).toBe(1);
    expect(io.out).toContain("3 of 4 entries proved");
    expect(io.out).toContain("✗");
  });

  it("refuses no subject, or two, with exit 2", async () => {
    expect(await cli()).toBe(2);
    expect(await cli("team/app:v1", "--pod", "shop/web-1")).toBe(2);
    expect(await cli("--container", "not-hex")).toBe(2);
  });
});
