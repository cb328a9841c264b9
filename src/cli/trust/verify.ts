import type { Command } from "commander";
import { loadImage, verifyImageSignatures } from "../../trust/index.js";
import type { ImageFlags } from "../image-options.js";
import {
  type AnchorFlags,
  addAnchorOptions,
  addRegistryOptions,
  anchorFrom,
  collectPair,
  outputOption,
  parseImage,
  registryClientFor,
  runWith,
  usageExitCodes,
} from "./common.js";
import { renderVerification, verificationJson } from "./render.js";

interface VerifyFlags extends ImageFlags, AnchorFlags {
  annotation?: Record<string, string>;
  strictReference?: boolean;
  output: string;
}

/**
 * `portcullis verify IMAGE`: cosign verify. Exit 0 when at least one signature verifies and
 * passes every check, 1 when none does, 2 for a usage error.
 */
export function registerVerify(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    addAnchorOptions(
      usageExitCodes(
        program
          .command("verify")
          .description("verify an image's signatures (cosign tag scheme and Sigstore bundle referrers)")
          .argument("<image>", "registry reference"),
      ),
    )
      .option("-a, --annotation <key=value>", "annotation the signature must carry (repeatable)", collectPair)
      .option("--strict-reference", "fail, not warn, when a signature names another repository")
      .addOption(outputOption()),
  ).action((spec: string, flags: VerifyFlags) =>
    runWith(setExit, async () => {
      const ref = parseImage(spec);
      const anchor = anchorFrom(flags);
      const client = await registryClientFor(ref, flags);
      const image = await loadImage(client, ref);
      const verification = verifyImageSignatures(image, {
        anchor,
        requiredAnnotations: flags.annotation ?? {},
        strictReference: flags.strictReference === true,
      });
      process.stdout.write(
        flags.output === "json"
          ? verificationJson(verification)
          : renderVerification(verification, "signature"),
      );
      return verification.ok ? 0 : 1;
    }),
  );
}
