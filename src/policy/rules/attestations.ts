import type { AttestationFact } from "../facts.js";
import { fail, pass, type RequirementRule } from "./rule.js";
import { describeSigner, signerMatches } from "./signer.js";

/**
 * Each listed attestation must exist for the digest: verified, of the predicate type, by the signer
 * when one is named, and with the CEL condition true for at least one of them.
 */
export const attestationsRule: RequirementRule<"attestations"> = {
  id: "attestations",
  rationale:
    "Provenance and reviews bind an image to how and where it was built (SLSA, lint reports, approvals).",
  fix: "Attach the attestation from the build (portcullis attest / provenance) with the expected signer.",
  needs: () => ["attestations"],
  check(required, { input, now, cel }) {
    const digest = input.image.digest;
    const all = input.evidence.attestations ?? [];
    return required.map((req) => {
      const by = req.signer ? ` by ${describeSigner(req.signer)}` : "";
      const what = `${req.type}${by}`;
      if (digest === undefined)
        return fail("attestations", `no digest to check a ${what} attestation against`);
      const ofType = all.filter((a) => a.predicateType === req.type);
      const candidates = ofType.filter(
        (a): a is AttestationFact =>
          a.verified && a.digest === digest && (!req.signer || signerMatches(req.signer, a.signer)),
      );
      if (candidates.length === 0) {
        const seen =
          ofType.length > 0 ? ` (${ofType.length} of that type, none verified${by} for ${digest})` : "";
        return fail("attestations", `no verified ${what} attestation${seen}`);
      }
      const via = candidates.find((a) => a.via !== undefined)?.via;
      if (!req.condition)
        return pass(
          "attestations",
          `verified ${what} attestation${via ? ` (over the bound digest ${via})` : ""}`,
        );
      const errors: string[] = [];
      for (const attestation of candidates) {
        const outcome = req.condition.run(
          {
            predicate: attestation.predicate,
            predicateType: attestation.predicateType,
            image: input.image,
            now: new Date(now),
          },
          cel,
        );
        if (outcome === true)
          return pass("attestations", `${what}: condition "${req.condition.source}" holds`);
        if (outcome !== false) errors.push(outcome.error);
      }
      const why = errors.length > 0 ? `could not be evaluated: ${errors[0]}` : "is false";
      return fail("attestations", `${what}: condition "${req.condition.source}" ${why}`);
    });
  },
};
