import { describe, expect, it } from "vitest";
import type { OccurrenceFact } from "../facts.js";
import { parsePolicy } from "../load.js";
import { DIGEST, OTHER_DIGEST, resultsOf } from "../testing.js";

const NOTE = "projects/team/notes/tests-passed";
const passed: OccurrenceFact = {
  noteName: NOTE,
  kind: "ATTESTATION",
  author: "robot$team+ci",
  digest: DIGEST,
};

describe("occurrences", () => {
  it.each([
    [
      "the note's occurrence",
      { note: NOTE },
      [passed],
      true,
      `occurrence of ${NOTE} (posted by robot$team+ci)`,
    ],
    ["none", { note: NOTE }, [], false, `no occurrence of ${NOTE} for ${DIGEST}`],
    ["another digest's", { note: NOTE }, [{ ...passed, digest: OTHER_DIGEST }], false, "no occurrence"],
    [
      "another note's",
      { note: NOTE },
      [{ ...passed, noteName: "projects/team/notes/qa" }],
      false,
      "no occurrence",
    ],
    ["the wanted kind", { note: NOTE, kind: "ATTESTATION" }, [passed], true, "ATTESTATION occurrence"],
    [
      "another kind",
      { note: NOTE, kind: "BUILD" },
      [passed],
      false,
      "1 of that note, by robot$team+ci, of kind ATTESTATION",
    ],
    ["the wanted author", { note: NOTE, author: "robot$team+ci" }, [passed], true, "by robot$team+ci"],
    [
      "someone else",
      { note: NOTE, author: "robot$team+ci" },
      [{ ...passed, author: "mallory" }],
      false,
      "by mallory",
    ],
  ])("%s", (_what, requirement, occurrences, passes, reason) => {
    const [result] = resultsOf({ occurrences: [requirement] }, { evidence: { occurrences } }, "occurrences");
    expect(result!.passed).toBe(passes);
    expect(result!.reason).toContain(reason);
  });

  it("refuses a note that is not a note name, and an unknown kind, naming the key", () => {
    const policy = (occurrence: string) =>
      `apiVersion: portcullis.dev/v1\nkind: Policy\ndefaultRule:\n  require:\n    occurrences:\n      - ${occurrence}\n`;
    expect(() => parsePolicy(policy("note: tests-passed"), "p.yaml")).toThrow(/occurrences.*note name/s);
    expect(() => parsePolicy(policy(`{ note: "${NOTE}", kind: TESTS }`), "p.yaml")).toThrow(/kind/);
    expect(() => parsePolicy(policy(`{ note: "${NOTE}", by: x }`), "p.yaml")).toThrow(/by/);
  });
});
