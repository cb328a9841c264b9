import { fail, pass, type RequirementRule } from "./rule.js";

/**
 * Each listed occurrence must exist for the image's digest: attached to the note, of the kind and
 * posted by the author when those are named. Outside systems post them through the Grafeas API
 * (`POST /v1/projects/P/occurrences`, which needs `occurrence.write`); the author is the account the
 * server saw post it, so a policy naming one trusts that account and nothing the body claims.
 */
export const occurrencesRule: RequirementRule<"occurrences"> = {
  id: "occurrences",
  rationale:
    "Other systems vouch for an image through Grafeas occurrences (CI tests passed, a QA sign-off), as Binary Authorization's attestors do.",
  fix: "Have the system that vouches for the image POST the occurrence to /v1/projects/PROJECT/occurrences for this digest.",
  needs: () => ["occurrences"],
  check(required, { input }) {
    const digest = input.image.digest;
    const all = input.evidence.occurrences ?? [];
    return required.map((req) => {
      const what = `${req.kind ? `${req.kind} ` : ""}occurrence of ${req.note}${req.author ? ` by ${req.author}` : ""}`;
      if (digest === undefined) return fail("occurrences", `no digest to find an ${what} for`);
      const ofNote = all.filter((o) => o.noteName === req.note && o.digest === digest);
      const found = ofNote.find(
        (o) =>
          (req.kind === undefined || o.kind === req.kind) &&
          (req.author === undefined || o.author === req.author),
      );
      if (found) return pass("occurrences", `${what} (posted by ${found.author})`);
      const seen =
        ofNote.length > 0
          ? ` (${ofNote.length} of that note, by ${[...new Set(ofNote.map((o) => o.author))].slice(0, 3).join(", ")}, of kind ${[...new Set(ofNote.map((o) => o.kind))].join(", ")})`
          : "";
      return fail("occurrences", `no ${what} for ${digest}${seen}`);
    });
  },
};
