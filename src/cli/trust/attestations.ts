import type { Command } from "commander";
import {
  type ArtifactCheck,
  type CachedImage,
  claimedPredicateType,
  claimedSigner,
  type FoundArtifact,
  loadImage,
  type RegistryTrustAnchor,
  verifyImageAttestations,
  verifyImageSignatures,
} from "../../trust/index.js";
import type { ImageFlags } from "../image-options.js";
import { printTable } from "../output.js";
import {
  type AnchorFlags,
  addAnchorOptions,
  addRegistryOptions,
  anchorFrom,
  outputOption,
  parseImage,
  registryClientFor,
  runWith,
  usageExitCodes,
} from "./common.js";

interface AttestationsFlags extends ImageFlags, AnchorFlags {
  output: string;
}

interface ListedArtifact {
  kind: string;
  source: string;
  where: string;
  type?: string;
  signer?: string;
  verified?: boolean;
  reason?: string;
}

function typeOf(artifact: FoundArtifact): string | undefined {
  if (artifact.kind === "attestation") return claimedPredicateType(artifact);
  if (artifact.kind === "sbom" || artifact.kind === "notation" || artifact.kind === "other")
    return artifact.artifactType;
  if (artifact.kind === "unreadable") return artifact.message;
  return undefined;
}

/** With a trust anchor, each signature and attestation is verified too. */
function verdicts(image: CachedImage, anchor: RegistryTrustAnchor | undefined): Map<string, ArtifactCheck> {
  const out = new Map<string, ArtifactCheck>();
  if (!anchor) return out;
  for (const check of [
    ...verifyImageSignatures(image, { anchor }).checks,
    ...verifyImageAttestations(image, { anchor }).checks,
  ]) {
    out.set(`${check.kind}|${check.where}`, check);
  }
  return out;
}

/** `portcullis attestations IMAGE`: what is attached to an image, by both schemes, with its signers. */
export function registerAttestations(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    addAnchorOptions(
      usageExitCodes(
        program
          .command("attestations")
          .description("list the signatures, attestations and SBOMs attached to an image")
          .argument("<image>", "registry reference"),
      ),
    ).addOption(outputOption()),
  ).action((spec: string, flags: AttestationsFlags) =>
    runWith(setExit, async () => {
      const ref = parseImage(spec);
      const wantsVerify =
        flags.key !== undefined || flags.certificateIdentity !== undefined || flags.trustedRoot !== undefined;
      const anchor = wantsVerify ? anchorFrom(flags) : undefined;
      const client = await registryClientFor(ref, flags);
      const image = await loadImage(client, ref);
      const checks = verdicts(image, anchor);
      const listed: ListedArtifact[] = image.discovery.artifacts.map((artifact) => {
        const row: ListedArtifact = { kind: artifact.kind, source: artifact.source, where: artifact.where };
        const type = typeOf(artifact);
        if (type !== undefined) row.type = type;
        const signer = claimedSigner(artifact);
        const check = checks.get(`${artifact.kind}|${artifact.where}`);
        if (check?.signer ?? signer) row.signer = check?.signer ?? signer;
        if (check) {
          row.verified = check.ok;
          if (check.reason) row.reason = check.reason;
        }
        return row;
      });
      if (flags.output === "json") {
        process.stdout.write(
          `${JSON.stringify({ image: image.target.display, digest: image.target.digest, artifacts: listed }, null, 2)}\n`,
        );
        return 0;
      }
      process.stdout.write(`${image.target.display} (${image.target.digest})\n`);
      if (listed.length === 0) {
        process.stdout.write("nothing attached\n");
        return 0;
      }
      const header = ["KIND", "SOURCE", "WHERE", "TYPE", "SIGNER", ...(anchor ? ["VERIFIED"] : [])];
      printTable(
        header,
        listed.map((r) => [
          r.kind,
          r.source === "tag" ? "cosign tag" : "referrer",
          r.where,
          r.type ?? "",
          r.signer ?? "",
          ...(anchor ? [r.verified === undefined ? "" : r.verified ? "yes" : `no: ${r.reason}`] : []),
        ]),
      );
      return 0;
    }),
  );
}
