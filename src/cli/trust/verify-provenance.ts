import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import {
  checkProvenance,
  loadImage,
  PROVENANCE_PREDICATE_TYPES,
  type ProvenanceExpectations,
  provenanceFacts,
  verifyImageAttestations,
} from "../../trust/index.js";
import { fromInputFile } from "../failure.js";
import type { ImageFlags } from "../image-options.js";
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
import { renderVerification, verificationJson } from "./render.js";

interface VerifyProvenanceFlags extends ImageFlags, AnchorFlags {
  builderId?: string;
  sourceUri?: string;
  dockerfile?: string;
  output: string;
}

/**
 * `portcullis verify-provenance IMAGE --key FILE`: the signed SLSA provenance of an image (ours,
 * or BuildKit's mode=min/max, v0.2 or v1): who built it, from which source, and that the
 * Dockerfile given is, byte for byte, the one it was built from.
 */
export function registerVerifyProvenance(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    addAnchorOptions(
      usageExitCodes(
        program
          .command("verify-provenance")
          .description("verify an image's signed SLSA provenance: builder, source and Dockerfile")
          .argument("<image>", "registry reference"),
      ),
    )
      .option("--builder-id <uri>", "the builder that must have built it, exactly")
      .option("--source-uri <uri>", "the source repository it must have been built from")
      .option("--dockerfile <file>", "the Dockerfile it must have been built from, byte for byte")
      .addOption(outputOption()),
  ).action((spec: string, flags: VerifyProvenanceFlags) =>
    runWith(setExit, async () => {
      const ref = parseImage(spec);
      const anchor = anchorFrom(flags);
      const expected: ProvenanceExpectations = {};
      if (flags.builderId !== undefined) expected.builderId = flags.builderId;
      if (flags.sourceUri !== undefined) expected.sourceUri = flags.sourceUri;
      if (flags.dockerfile !== undefined) {
        const file = flags.dockerfile;
        expected.dockerfile = await fromInputFile("--dockerfile", file, () => readFile(file));
      }
      const client = await registryClientFor(ref, flags);
      const image = await loadImage(client, ref);
      const verification = verifyImageAttestations(image, {
        anchor,
        predicateType: PROVENANCE_PREDICATE_TYPES,
        condition: (statement) => checkProvenance(provenanceFacts(statement), expected),
      });
      process.stdout.write(
        flags.output === "json"
          ? verificationJson(verification)
          : renderVerification(verification, "attestation"),
      );
      return verification.ok ? 0 : 1;
    }),
  );
}
