import type { Command } from "commander";
import {
  type CompiledCondition,
  compileCondition,
  loadImage,
  verifyImageAttestations,
} from "../../trust/index.js";
import type { ImageFlags } from "../image-options.js";
import { predicateTypeFrom, TYPE_HELP } from "./attest.js";
import {
  type AnchorFlags,
  addAnchorOptions,
  addRegistryOptions,
  anchorFrom,
  outputOption,
  parseImage,
  registryClientFor,
  runWith,
  UsageError,
  usageExitCodes,
} from "./common.js";
import { renderVerification, verificationJson } from "./render.js";

interface VerifyAttestationFlags extends ImageFlags, AnchorFlags {
  type?: string;
  condition?: string;
  output: string;
}

function conditionFrom(expression: string | undefined): CompiledCondition | undefined {
  if (expression === undefined) return undefined;
  try {
    return compileCondition(expression);
  } catch (err) {
    throw new UsageError(`--condition: ${(err as Error).message}`);
  }
}

/** `portcullis verify-attestation IMAGE --key FILE --type TYPE [--condition CEL]`: cosign verify-attestation. */
export function registerVerifyAttestation(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    addAnchorOptions(
      usageExitCodes(
        program
          .command("verify-attestation")
          .description("verify an image's attestations and check a CEL condition over their predicate")
          .argument("<image>", "registry reference"),
      ),
    )
      .option("--type <type>", `${TYPE_HELP} (default: any)`)
      .option(
        "--condition <cel>",
        "CEL over `predicate` (and `predicateType`), e.g. 'predicate.builder.id == \"https://ci.example\"'",
      )
      .addOption(outputOption()),
  ).action((spec: string, flags: VerifyAttestationFlags) =>
    runWith(setExit, async () => {
      const ref = parseImage(spec);
      const anchor = anchorFrom(flags);
      const predicateType = flags.type !== undefined ? predicateTypeFrom(flags.type) : undefined;
      const condition = conditionFrom(flags.condition);
      const client = await registryClientFor(ref, flags);
      const image = await loadImage(client, ref);
      const verification = verifyImageAttestations(image, {
        anchor,
        ...(predicateType !== undefined ? { predicateType } : {}),
        ...(condition !== undefined ? { condition } : {}),
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
