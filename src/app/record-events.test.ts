import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { EventRecord } from "../audit/index.js";
import { databaseTestTargets } from "../storage/testing.js";
import { recordEventsOf, recordScans } from "./record-events.js";
import { ScanStore } from "./scanning/store.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const SIG = `sha256:${"cd".repeat(32)}`;
const alice = { subject: "alice", kind: "user" } as const;

describe("recordEventsOf", () => {
  it("turns a push into image.pushed with actor, repository, digest and tags", () => {
    const [entry, ...rest] = recordEventsOf({
      type: "manifest.pushed",
      repository: "team/app",
      digest: DIGEST,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      size: 512,
      tags: ["v1"],
      actor: alice,
    });
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      kind: "image.pushed",
      actor: "alice",
      repository: "team/app",
      digest: DIGEST,
    });
    expect(entry!.payload).toMatchObject({ tags: ["v1"], size: 512 });
  });

  it("records a cosign signature tag as image.signed about the image it names, an .att as image.attested", () => {
    for (const [suffix, kind] of [
      ["sig", "image.signed"],
      ["att", "image.attested"],
    ] as const) {
      const entries = recordEventsOf({
        type: "manifest.pushed",
        repository: "team/app",
        digest: SIG,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        size: 300,
        tags: [`sha256-${"ab".repeat(32)}.${suffix}`],
        actor: alice,
      });
      expect(entries.map((e) => e.kind)).toEqual(["image.pushed", kind]);
      expect(entries[1]).toMatchObject({ digest: DIGEST, payload: { manifest: SIG } });
    }
  });

  it("records OCI 1.1 referrers as image.signed or image.attested about their subject, once", () => {
    const referrer = (artifactType: string, annotations: Record<string, string>, tags: string[] = []) =>
      recordEventsOf({
        type: "manifest.pushed",
        repository: "team/app",
        digest: SIG,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        size: 300,
        tags,
        subject: DIGEST,
        artifactType,
        annotations,
        actor: alice,
      });
    const bundle = "application/vnd.dev.sigstore.bundle.v0.3+json";
    const signed = referrer(bundle, { "dev.sigstore.bundle.content": "message-signature" });
    expect(signed.map((e) => e.kind)).toEqual(["image.pushed", "image.signed"]);
    expect(signed[1]).toMatchObject({
      digest: DIGEST,
      payload: { format: "referrer", manifest: SIG, artifactType: bundle },
    });
    const attested = referrer(bundle, {
      "dev.sigstore.bundle.content": "dsse-envelope",
      "dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1",
    });
    expect(attested.map((e) => e.kind)).toEqual(["image.pushed", "image.attested"]);
    expect(attested[1]!.payload).toMatchObject({ predicateType: "https://slsa.dev/provenance/v1" });
    expect(referrer("application/vnd.cncf.notary.signature", {})[1]?.kind).toBe("image.signed");
    // An SBOM referrer is neither; a referrer pushed under a cosign tag is recorded by its tag only.
    expect(referrer("application/spdx+json", {}).map((e) => e.kind)).toEqual(["image.pushed"]);
    const both = referrer(bundle, {}, [`sha256-${"ab".repeat(32)}.sig`]);
    expect(both.map((e) => e.kind)).toEqual(["image.pushed", "image.signed"]);
    expect(both[1]!.payload).toMatchObject({ format: "cosign-tag" });
  });

  it("records pulls, deletions and tag moves, and nothing for blob traffic", () => {
    expect(
      recordEventsOf({
        type: "manifest.pulled",
        repository: "r",
        digest: DIGEST,
        reference: "v1",
        actor: alice,
      })[0],
    ).toMatchObject({ kind: "image.pulled", digest: DIGEST });
    expect(
      recordEventsOf({
        type: "manifest.deleted",
        repository: "r",
        digest: DIGEST,
        tags: ["v1"],
        actor: alice,
      })[0],
    ).toMatchObject({ kind: "image.deleted" });
    expect(
      recordEventsOf({
        type: "tag.changed",
        repository: "r",
        tag: "v1",
        from: SIG,
        to: DIGEST,
        actor: alice,
      })[0],
    ).toMatchObject({ kind: "tag.moved", digest: DIGEST, payload: { from: SIG, to: DIGEST } });
    expect(
      recordEventsOf({ type: "blob.uploaded", repository: "r", digest: DIGEST, size: 1, actor: alice }),
    ).toEqual([]);
  });
});

for (const target of databaseTestTargets()) {
  describe(`recordScans on ${target.name}`, () => {
    it("records a finished or failed scan as image.scanned, and nothing for queued or running", async () => {
      const database = await target.open();
      try {
        const scans = new ScanStore(database);
        const record = new EventRecord(database);
        const stop = recordScans(scans, record, pino({ level: "silent" }));
        await scans.request(DIGEST, "team/app", new Date());
        await scans.setStatus(DIGEST, "running");
        await scans.setStatus(DIGEST, "failed", "the image has no layers");
        const entries = await vi.waitFor(async () => {
          const found = await record.query({ kind: "image.scanned" });
          expect(found).toHaveLength(1);
          return found;
        });
        expect(entries[0]).toMatchObject({
          digest: DIGEST,
          repository: "team/app",
          payload: { status: "failed", error: "the image has no layers" },
        });
        stop();
        await record.settled();
      } finally {
        await database.close();
      }
    });
  });
}
