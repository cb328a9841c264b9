import type { ArtifactCheck, ImageVerification } from "../../trust/index.js";
import { printTable } from "../output.js";

function resultOf(check: ArtifactCheck): string {
  return check.ok ? (check.warnings.length > 0 ? "ok (warning)" : "ok") : (check.reason ?? "failed");
}

function detailOf(check: ArtifactCheck): string {
  if (!check.ok) return check.message ?? "";
  return [...check.warnings, ...(check.predicateType ? [check.predicateType] : [])].join("; ");
}

/** Who signed what: one row per signature or attestation, with a precise reason for each failure. */
export function renderVerification(
  verification: ImageVerification,
  kind: "signature" | "attestation",
): string {
  let out = "";
  const sink = { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream;
  const valid = verification.checks.filter((c) => c.ok).length;
  out += `${verification.image} (${verification.digest})\n`;
  if (verification.checks.length === 0) {
    out += `no ${kind}s found\n`;
    return out;
  }
  printTable(
    ["RESULT", "SOURCE", "WHERE", "SIGNER", "SIGNED REFERENCE", "DETAIL"],
    verification.checks.map((c) => [
      resultOf(c),
      c.source === "tag" ? "cosign tag" : "referrer",
      c.where,
      c.signer ?? "",
      c.dockerReference ?? "",
      detailOf(c),
    ]),
    sink,
  );
  out += `${valid} of ${verification.checks.length} ${kind}s valid\n`;
  return out;
}

/** JSON for machines: the statement is included for attestations (conditions are often re-checked downstream). */
export function verificationJson(verification: ImageVerification): string {
  return `${JSON.stringify(verification, null, 2)}\n`;
}
