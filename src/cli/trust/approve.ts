import type { Command } from "commander";
import { parseDuration } from "../../core/index.js";
import { buildApproval, PREDICATE_TYPE_APPROVAL } from "../../trust/index.js";
import type { ImageFlags } from "../image-options.js";
import { attachAttestation } from "./attest.js";
import { addRegistryOptions, parseImage, runWith, UsageError, usageExitCodes } from "./common.js";
import { describeStored } from "./sign.js";

interface ApproveFlags extends ImageFlags {
  key: string;
  approver: string;
  reason: string;
  expires?: string;
  ticket?: string;
  output: string;
}

/**
 * `portcullis approve IMAGE --key FILE --approver WHO --reason WHY [--expires 30d]`: a signed approval
 * attestation on the image's digest (PREDICATE_TYPE_APPROVAL), stored as `attest` stores one, for a
 * policy's `attestations` requirement (examples/policies/require-approval.yaml).
 */
export function registerApprove(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    usageExitCodes(
      program
        .command("approve")
        .description("attach a signed approval of an image's digest (who, why, until when)")
        .argument("<image>", "registry reference; the approval names its digest")
        .requiredOption("--key <file>", "the approver's private key (cosign's encrypted format, or PEM)")
        .requiredOption("--approver <who>", "who approves (e-mail address, team)")
        .requiredOption("--reason <why>", "why: the review, change request or exception")
        .option("--expires <duration>", "how long the approval holds (e.g. 30d, 12h)")
        .option("--ticket <url>", "a link to the ticket or review")
        .option("-o, --output <format>", "table or json", "table"),
    ),
  ).action((spec: string, flags: ApproveFlags) =>
    runWith(setExit, async () => {
      let validForMs: number | undefined;
      if (flags.expires !== undefined) {
        try {
          validForMs = parseDuration(flags.expires);
        } catch (err) {
          throw new UsageError(`--expires: ${(err as Error).message}`);
        }
      }
      let predicate: ReturnType<typeof buildApproval>;
      try {
        predicate = buildApproval({
          approver: flags.approver,
          reason: flags.reason,
          ...(validForMs !== undefined ? { validForMs } : {}),
          ...(flags.ticket ? { ticket: flags.ticket } : {}),
        });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const ref = parseImage(spec);
      const { target, result } = await attachAttestation(ref, flags, flags.key, PREDICATE_TYPE_APPROVAL, {
        ...predicate,
      });
      process.stdout.write(
        flags.output === "json"
          ? `${JSON.stringify({ image: target.dockerReference, predicateType: PREDICATE_TYPE_APPROVAL, predicate, ...result }, null, 2)}\n`
          : describeStored(
              `Approved by ${predicate.approver}${predicate.expires ? ` until ${predicate.expires}` : ""}`,
              target.dockerReference,
              result,
            ),
      );
      return 0;
    }),
  );
}
