import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type InventoryManifest,
  type InventoryRepository,
  planRetention,
  type RetentionPlan,
} from "./plan.js";
import { parseRetentionPolicy, type RetentionPolicyInput } from "./policy.js";

const DAY = 86_400_000;
const NOW = 1_000 * DAY;

/** A digest named by a short label, so expectations read as the fixture does. */
const d = (label: string) => `sha256:${Buffer.from(label).toString("hex").padEnd(64, "0").slice(0, 64)}`;

function manifest(
  label: string,
  options: {
    tags?: string[];
    pushedDaysAgo?: number;
    pulledDaysAgo?: number;
    subject?: string;
    children?: string[];
  } = {},
): InventoryManifest {
  const pushed = NOW - (options.pushedDaysAgo ?? 0) * DAY;
  return {
    digest: d(label),
    tags: (options.tags ?? []).map((name) => ({ name, updatedAt: pushed })),
    createdAt: pushed,
    pulledAt: options.pulledDaysAgo === undefined ? null : NOW - options.pulledDaysAgo * DAY,
    subject: options.subject ? d(options.subject) : null,
    children: (options.children ?? []).map(d),
  };
}

function plan(rules: RetentionPolicyInput["rules"], repositories: InventoryRepository[]): RetentionPlan {
  return planRetention("team", parseRetentionPolicy({ rules }), repositories, NOW);
}

/** Labels of the artifacts kept and deleted, and every manifest deleted (with followers). */
function outcome(result: RetentionPlan, labels: readonly string[]) {
  const name = new Map(labels.map((l) => [d(l), l]));
  const label = (digest: string) => name.get(digest) ?? digest;
  return {
    kept: result.artifacts
      .filter((a) => a.action === "keep")
      .map((a) => label(a.digest))
      .sort(),
    deleted: result.artifacts
      .filter((a) => a.action === "delete")
      .map((a) => label(a.digest))
      .sort(),
    removed: result.artifacts
      .filter((a) => a.action === "delete")
      .flatMap((a) => [a.digest, ...a.followers.map((f) => f.digest)])
      .map(label)
      .sort(),
  };
}

const five = () => [
  manifest("a", { tags: ["v1"], pushedDaysAgo: 50, pulledDaysAgo: 1 }),
  manifest("b", { tags: ["v2"], pushedDaysAgo: 40 }),
  manifest("c", { tags: ["v3"], pushedDaysAgo: 30, pulledDaysAgo: 20 }),
  manifest("d", { tags: ["v4", "latest"], pushedDaysAgo: 5, pulledDaysAgo: 3 }),
  manifest("e", { tags: ["dev-1"], pushedDaysAgo: 1 }),
];
const LABELS = ["a", "b", "c", "d", "e", "s1", "s2", "x", "i", "c1", "c2", "u", "o"];

describe("planRetention: each rule kind", () => {
  const repo = () => [{ name: "team/app", manifests: five() }];

  it("latestPushed keeps the N most recently pushed candidates", () => {
    expect(outcome(plan([{ keep: "latestPushed", count: 2 }], repo()), LABELS)).toMatchObject({
      kept: ["d", "e"],
      deleted: ["a", "b", "c"],
    });
  });

  it("latestPulled ranks by last pull, never-pulled artifacts last (newest push first)", () => {
    expect(outcome(plan([{ keep: "latestPulled", count: 2 }], repo()), LABELS).kept).toEqual(["a", "d"]);
    expect(outcome(plan([{ keep: "latestPulled", count: 4 }], repo()), LABELS).kept).toEqual([
      "a",
      "c",
      "d",
      "e",
    ]);
  });

  it("pushedWithin keeps what was pushed in the last D days", () => {
    expect(outcome(plan([{ keep: "pushedWithin", days: 30 }], repo()), LABELS).kept).toEqual(["c", "d", "e"]);
  });

  it("pulledWithin keeps what was pulled in the last D days, never the never-pulled", () => {
    expect(outcome(plan([{ keep: "pulledWithin", days: 10 }], repo()), LABELS).kept).toEqual(["a", "d"]);
  });

  it("always keeps every candidate its tag glob picks; an artifact is a candidate if any tag matches", () => {
    expect(outcome(plan([{ keep: "always", tags: "v*" }], repo()), LABELS)).toMatchObject({
      kept: ["a", "b", "c", "d"],
      deleted: ["e"],
    });
    expect(outcome(plan([{ keep: "always", tags: "latest" }], repo()), LABELS).kept).toEqual(["d"]);
  });

  it("a tag glob narrows the candidates before counting", () => {
    // The two newest dev-* builds: only e is one.
    expect(outcome(plan([{ keep: "latestPushed", count: 2, tags: "dev-*" }], repo()), LABELS).kept).toEqual([
      "e",
    ]);
  });
});

describe("planRetention: combinations", () => {
  it("keeps an artifact if ANY rule keeps it, naming every rule that does", () => {
    const result = plan(
      [
        { keep: "latestPushed", count: 1 },
        { keep: "pulledWithin", days: 2 },
        { keep: "always", tags: "v3" },
      ],
      [{ name: "team/app", manifests: five() }],
    );
    expect(outcome(result, LABELS)).toMatchObject({ kept: ["a", "c", "e"], deleted: ["b", "d"] });
    const a = result.artifacts.find((x) => x.digest === d("a"))!;
    expect(a.reasons).toEqual(["rule 2: pulledWithin 2d of tags * in *"]);
    const b = result.artifacts.find((x) => x.digest === d("b"))!;
    expect(b.reasons).toEqual(["kept by no rule"]);
  });

  it("never touches repositories no rule picks, and matches repositories inside the project", () => {
    const result = plan(
      [{ keep: "latestPushed", count: 1, repositories: "app/*" }],
      [
        { name: "team/app/api", manifests: five() },
        { name: "team/web", manifests: five() },
        { name: "team", manifests: five() },
      ],
    );
    expect(result.untouched).toEqual(["team", "team/web"]);
    expect(new Set(result.artifacts.map((a) => a.repository))).toEqual(new Set(["team/app/api"]));
    expect(result.artifacts.filter((a) => a.action === "keep")).toHaveLength(1);
  });

  it("an empty rule list plans nothing", () => {
    const result = plan([], [{ name: "team/app", manifests: five() }]);
    expect(result.artifacts).toEqual([]);
    expect(result.untouched).toEqual(["team/app"]);
  });
});

describe("planRetention: excluded tags", () => {
  const excluding = (excludeTags: string[], rules: RetentionPolicyInput["rules"], manifests = five()) =>
    planRetention(
      "team",
      parseRetentionPolicy({ rules, excludeTags }),
      [{ name: "team/app", manifests }],
      NOW,
    );

  it("never deletes an artifact a tag of which an exclude glob matches, and says so", () => {
    const result = excluding(["v1", "dev-*"], [{ keep: "latestPushed", count: 1 }]);
    const o = outcome(result, LABELS);
    expect(o.kept).toEqual(["a", "e"]);
    expect(o.deleted).toEqual(["b", "c", "d"]);
    expect(result.artifacts.find((x) => x.digest === d("a"))!.reasons).toEqual([
      "excluded: tag v1 matches v1",
    ]);
    // Still a candidate of the rules: the newest (e, excluded too) is what latestPushed 1 keeps.
    expect(result.artifacts.find((x) => x.digest === d("e"))!.reasons).toEqual([
      "rule 1: latestPushed 1 of tags * in *",
      "excluded: tag dev-1 matches dev-*",
    ]);
  });

  it("an excluded artifact keeps its signatures; without exclusions the same rules delete it", () => {
    const manifests = [
      manifest("a", { tags: ["release-1"], pushedDaysAgo: 10 }),
      manifest("b", { tags: ["main"], pushedDaysAgo: 5 }),
      manifest("s2", { subject: "a", pushedDaysAgo: 0 }),
    ];
    const rules: RetentionPolicyInput["rules"] = [{ keep: "latestPushed", count: 1 }];
    expect(outcome(excluding([], rules, manifests), LABELS).removed).toEqual(["a", "s2"]);
    const o = outcome(excluding(["release-*"], rules, manifests), LABELS);
    expect(o.kept).toEqual(["a", "b"]);
    expect(o.removed).toEqual([]);
  });

  it("refuses a bad exclusion list: not a list, an empty glob, too many", () => {
    expect(() => parseRetentionPolicy({ rules: [], excludeTags: "v*" })).toThrow(/excludeTags/);
    expect(() => parseRetentionPolicy({ rules: [], excludeTags: [""] })).toThrow(/excludeTags\.0/);
    expect(() =>
      parseRetentionPolicy({ rules: [], excludeTags: Array.from({ length: 21 }, (_, i) => `t${i}`) }),
    ).toThrow(/excludeTags/);
    expect(parseRetentionPolicy({ rules: [] }).excludeTags).toEqual([]);
  });
});

describe("planRetention: untagged artifacts, referrers and indexes", () => {
  it("untagged artifacts are deleted unless a rule takes untagged ones as candidates", () => {
    const manifests = [...five(), manifest("u", { pushedDaysAgo: 0 })];
    expect(outcome(plan([{ keep: "always" }], [{ name: "team/app", manifests }]), LABELS).deleted).toEqual([
      "u",
    ]);
    expect(
      outcome(
        plan([{ keep: "pushedWithin", days: 1, untagged: true }], [{ name: "team/app", manifests }]),
        LABELS,
      ).kept,
    ).toEqual(["e", "u"]);
  });

  it("referrers and cosign tags are not counted, and go wherever their subject goes", () => {
    const manifests = [
      manifest("a", { tags: ["v1"], pushedDaysAgo: 10 }),
      manifest("b", { tags: ["v2"], pushedDaysAgo: 5 }),
      // A signature of b pushed after it, and of a: newer than both images.
      manifest("s1", { subject: "b", pushedDaysAgo: 0 }),
      manifest("s2", { subject: "a", pushedDaysAgo: 0 }),
      manifest("x", { tags: [`sha256-${d("a").slice(7)}.sig`], pushedDaysAgo: 0 }),
    ];
    const result = plan(
      [{ keep: "latestPushed", count: 1, untagged: true }],
      [{ name: "team/app", manifests }],
    );
    const o = outcome(result, LABELS);
    expect(o.kept).toEqual(["b"]);
    expect(o.deleted).toEqual(["a"]);
    expect(o.removed).toEqual(["a", "s2", "x"]);
    const a = result.artifacts.find((x) => x.digest === d("a"))!;
    expect(a.followers.map((f) => f.relation).sort()).toEqual(["accessory", "referrer"]);
  });

  it("an orphan referrer (its subject absent) is never touched", () => {
    const manifests = [manifest("a", { tags: ["v1"] }), manifest("o", { subject: "missing" })];
    const o = outcome(plan([{ keep: "always", tags: "none" }], [{ name: "team/app", manifests }]), LABELS);
    expect(o.removed).toEqual(["a"]);
  });

  it("an index keeps its children; a deleted index takes the children no kept index lists", () => {
    const manifests = [
      manifest("c1", { pushedDaysAgo: 9 }),
      manifest("c2", { pushedDaysAgo: 9 }),
      manifest("i", { tags: ["old"], pushedDaysAgo: 9, children: ["c1", "c2"] }),
      manifest("d", { tags: ["new"], pushedDaysAgo: 1, children: ["c2"] }),
      manifest("s1", { subject: "c1" }),
    ];
    const result = plan([{ keep: "pushedWithin", days: 2 }], [{ name: "team/app", manifests }]);
    const o = outcome(result, LABELS);
    expect(o.kept).toEqual(["d"]);
    expect(o.removed).toEqual(["c1", "i", "s1"]);
    // Parents before what they name, so nothing kept ever names a deleted manifest.
    const i = result.artifacts.find((x) => x.digest === d("i"))!;
    expect(i.followers.map((f) => f.digest)).toEqual([d("c1"), d("s1")]);
  });

  it("a tagged image a kept index lists is kept with it, whatever the rules say of it", () => {
    const manifests = [
      manifest("c1", { tags: ["amd64-old"], pushedDaysAgo: 30 }),
      manifest("i", { tags: ["v1"], pushedDaysAgo: 30, children: ["c1"] }),
    ];
    const result = plan([{ keep: "always", tags: "v*" }], [{ name: "team/app", manifests }]);
    const c1 = result.artifacts.find((x) => x.digest === d("c1"))!;
    expect(c1.action).toBe("keep");
    expect(c1.reasons).toEqual([`needed by kept ${d("i")}`]);
  });
});

describe("planRetention: properties (seeded by test/support/fast-check-seed.ts under CI)", () => {
  const tagNames = ["v1", "v2", "latest", "dev-1", "dev-2", "rc"];
  const inventory = fc
    .array(
      fc.record({
        tags: fc.subarray(tagNames),
        pushedDaysAgo: fc.integer({ min: 0, max: 100 }),
        pulledDaysAgo: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        subject: fc.option(fc.nat(), { nil: undefined }),
        children: fc.array(fc.nat(), { maxLength: 3 }),
      }),
      { maxLength: 14 },
    )
    .map((drafts) => {
      // Tags are unique in a repository: the first manifest to draw a tag holds it.
      const taken = new Set<string>();
      return drafts.map((draft, n) =>
        manifest(`m${n}`, {
          tags: draft.tags.filter((t) => !taken.has(t) && taken.add(t)),
          pushedDaysAgo: draft.pushedDaysAgo,
          ...(draft.pulledDaysAgo === undefined ? {} : { pulledDaysAgo: draft.pulledDaysAgo }),
          // Subjects and children name earlier manifests (pushed before), as a registry requires.
          ...(draft.subject !== undefined && n > 0 ? { subject: `m${draft.subject % n}` } : {}),
          children: n > 0 ? [...new Set(draft.children.map((c) => `m${c % n}`))] : [],
        }),
      );
    });
  const rule = fc.oneof(
    fc.record({ keep: fc.constant("latestPushed" as const), count: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ keep: fc.constant("latestPulled" as const), count: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ keep: fc.constant("pushedWithin" as const), days: fc.integer({ min: 1, max: 60 }) }),
    fc.record({ keep: fc.constant("pulledWithin" as const), days: fc.integer({ min: 1, max: 60 }) }),
    fc.record({ keep: fc.constant("always" as const), tags: fc.constantFrom("v*", "dev-*", "latest") }),
  );
  const rules = fc.array(
    fc.tuple(rule, fc.boolean()).map(([r, untagged]) => ({ ...r, untagged })),
    // At least one rule: with none the repository is untouched, and a first rule starts deleting.
    { minLength: 1, maxLength: 4 },
  );

  it("never removes a manifest a kept one needs, removes each at most once, and keeps more with more rules", () => {
    fc.assert(
      fc.property(inventory, rules, rule, (manifests, list, extra) => {
        const repositories = [{ name: "team/app", manifests }];
        const result = plan(list, repositories);
        const removed = result.artifacts
          .filter((a) => a.action === "delete")
          .flatMap((a) => [a.digest, ...a.followers.map((f) => f.digest)]);
        expect(new Set(removed).size).toBe(removed.length);
        const gone = new Set(removed);
        for (const m of manifests) {
          if (gone.has(m.digest)) continue;
          // What stays never names what goes: children of an index, the subject of a referrer.
          for (const child of m.children) expect(gone.has(child)).toBe(false);
          if (m.subject !== null) expect(gone.has(m.subject)).toBe(false);
        }
        // A kept artifact's tags all stay.
        for (const a of result.artifacts) if (a.action === "keep") expect(gone.has(a.digest)).toBe(false);
        // Adding a rule only ever keeps more (rules are OR-ed), once some rule governs the repository.
        const more = plan([...list, { ...extra, untagged: false }], repositories);
        const goneWithMore = new Set(
          more.artifacts
            .filter((a) => a.action === "delete")
            .flatMap((a) => [a.digest, ...a.followers.map((f) => f.digest)]),
        );
        for (const digest of goneWithMore) expect(gone.has(digest)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
