import type { Command } from "commander";
import type { ImageReference } from "../../oci/index.js";
import {
  attestImage,
  resolvePredicateType,
  resolveSigningTarget,
  type SigningTarget,
  type StoredResult,
  type StoreOptions,
} from "../../trust/index.js";
import type { ImageFlags } from "../image-options.js";
import {
  addRegistryOptions,
  parseImage,
  readSigningKey,
  readTextFile,
  registryClientFor,
  runWith,
  UsageError,
  usageExitCodes,
} from "./common.js";
import { describeStored } from "./sign.js";

interface AttestFlags extends ImageFlags {
  key: string;
  predicate: string;
  type: string;
  tagScheme: boolean;
  referrer: boolean;
  output: string;
}

export const TYPE_HELP =
  "predicate type: slsaprovenance, slsaprovenance1, cyclonedx, spdxjson, openvex, vuln, custom, or a URI";

/** A predicate type as cosign's --type takes it; an unknown word is a usage error. */
/**
 * The largest --predicate file (256 MiB): predicates can carry SBOMs, so the limit only keeps a
 * device or a runaway file from exhausting memory (V8 strings stop at 512 MiB anyway).
 */
const MAX_PREDICATE_BYTES = 256 * 1024 * 1024;

export function predicateTypeFrom(input: string): string {
  try {
    return resolvePredicateType(input);
  } catch (err) {
    throw new UsageError(`--type: ${(err as Error).message}`);
  }
}

/**
 * Signs `predicate` as an in-toto statement about the image `ref` names and stores it (attest, approve,
 * provenance --key). The image is resolved with HEAD, as `sign` resolves it, so a pull policy holding
 * the image back does not stop its attestations.
 */
export async function attachAttestation(
  ref: ImageReference,
  flags: ImageFlags,
  keyPath: string,
  predicateType: string,
  predicate: Record<string, unknown>,
  store: StoreOptions = {},
): Promise<{ target: SigningTarget; result: StoredResult }> {
  const key = await readSigningKey(keyPath);
  const client = await registryClientFor(ref, flags);
  const target = await resolveSigningTarget(client, ref);
  return { target, result: await attestImage(client, target, key, predicateType, predicate, store) };
}

/** `portcullis attest IMAGE --predicate FILE --type TYPE --key FILE`: cosign attest --key. */
export function registerAttest(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    usageExitCodes(
      program
        .command("attest")
        .description(
          "attach a signed in-toto attestation to an image (cosign .att tag and a bundle referrer)",
        )
        .argument("<image>", "registry reference; the statement's subject is its digest")
        .requiredOption("--predicate <file>", "the predicate, a JSON object")
        .requiredOption("--type <type>", TYPE_HELP)
        .requiredOption("--key <file>", "private key (cosign's encrypted format, or PEM)")
        .option("--no-tag-scheme", "do not store under cosign's sha256-<hex>.att tag")
        .option("--no-referrer", "do not store as an OCI 1.1 referrer bundle")
        .option("-o, --output <format>", "table or json", "table"),
    ),
  ).action((spec: string, flags: AttestFlags) =>
    runWith(setExit, async () => {
      if (!flags.tagScheme && !flags.referrer)
        throw new UsageError("--no-tag-scheme and --no-referrer leave nowhere to store");
      const ref = parseImage(spec);
      const predicateType = predicateTypeFrom(flags.type);
      let predicate: unknown;
      try {
        predicate = JSON.parse(readTextFile(flags.predicate, "predicate", MAX_PREDICATE_BYTES));
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`--predicate ${flags.predicate} is not JSON: ${(err as Error).message}`);
      }
      if (typeof predicate !== "object" || predicate === null || Array.isArray(predicate)) {
        throw new UsageError(`--predicate ${flags.predicate} must hold a JSON object`);
      }
      const { target, result } = await attachAttestation(
        ref,
        flags,
        flags.key,
        predicateType,
        predicate as Record<string, unknown>,
        { tagScheme: flags.tagScheme, referrer: flags.referrer },
      );
      process.stdout.write(
        flags.output === "json"
          ? `${JSON.stringify({ image: target.dockerReference, predicateType, ...result }, null, 2)}\n`
          : describeStored(`Attested (${predicateType})`, target.dockerReference, result),
      );
      return 0;
    }),
  );
}
