import { fail, pass, type RequirementRule } from "./rule.js";
import { describeSigner, signerMatches } from "./signer.js";

/** Every listed signer must have signed the image's digest (all-of, as Binary Authorization's attestors). */
export const signedByRule: RequirementRule<"signedBy"> = {
  id: "signedBy",
  rationale: "Only images signed by the release keys or identities were built and approved by us.",
  fix: "Sign the digest with the release key (portcullis sign) or from the trusted CI identity.",
  needs: () => ["signatures"],
  check(signers, { input }) {
    const digest = input.image.digest;
    const signatures = input.evidence.signatures ?? [];
    return signers.map((required) => {
      const who = describeSigner(required);
      if (digest === undefined) return fail("signedBy", `no digest to check a signature by ${who} against`);
      const good = signatures.find(
        (s) => s.verified && s.digest === digest && signerMatches(required, s.signer),
      );
      if (good) {
        const notes = [good.format, good.via ? `over the bound digest ${good.via}` : undefined];
        const said = notes.filter((n) => n !== undefined).join(", ");
        return pass("signedBy", `signed by ${who}${said ? ` (${said})` : ""}`);
      }
      if (signatures.length === 0) return fail("signedBy", `no signature found; required: ${who}`);
      const wrongDigest = signatures.filter((s) => s.verified && s.digest !== digest).length;
      const failed = signatures.filter((s) => !s.verified);
      const notes = [
        `${signatures.length} signature(s) found, none verified by ${who}`,
        ...(wrongDigest > 0 ? [`${wrongDigest} sign(s) another digest`] : []),
        ...(failed.length > 0
          ? [`${failed.length} failed verification${failed[0]!.error ? `: ${failed[0]!.error}` : ""}`]
          : []),
      ];
      return fail("signedBy", notes.join("; "));
    });
  },
};
