import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { buildStages, parseDockerfile } from "../../dockerfile/index.js";
import { type ImageReference, parseImageReference } from "../../oci/index.js";
import { buildProvenance, PREDICATE_TYPE_SLSA_V1, resolveImage } from "../../trust/index.js";
import { fromInputFile } from "../failure.js";
import type { ImageFlags } from "../image-options.js";
import { attachAttestation } from "./attest.js";
import {
  addRegistryOptions,
  collectPair,
  parseImage,
  registryClientFor,
  runWith,
  UsageError,
  usageExitCodes,
} from "./common.js";
import { describeStored } from "./sign.js";

interface ProvenanceFlags extends ImageFlags {
  image: string;
  dockerfile: string;
  context: string;
  builderId: string;
  sourceUri?: string;
  sourceDigest?: string;
  buildArg?: Record<string, string>;
  startedOn?: string;
  finishedOn?: string;
  output?: string;
  key?: string;
}

function dateFlag(value: string | undefined, name: string): Date {
  if (value === undefined) return new Date();
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`${name} is not an RFC 3339 time: ${JSON.stringify(value)}`);
  return date;
}

/** Every image a FROM names (stages and scratch left out), with build args expanded as BuildKit does. */
export function baseImagesOf(text: string, buildArgs: Record<string, string>): string[] {
  let stages: ReturnType<typeof buildStages>;
  try {
    stages = buildStages(parseDockerfile(text), buildArgs);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return [...new Set(stages.filter((s) => !s.baseIsStage).map((s) => s.base))];
}

/** A base image's digest: the pinned one, else what its registry says the tag names now. */
async function resolveBase(spec: string, flags: ImageFlags): Promise<{ reference: string; digest: string }> {
  let ref: ImageReference;
  try {
    ref = parseImageReference(spec);
  } catch (err) {
    throw new UsageError(`FROM ${spec}: ${(err as Error).message}`);
  }
  const reference = `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}`;
  if (ref.digest) return { reference, digest: ref.digest };
  const target = await resolveImage(await registryClientFor(ref, flags), ref);
  return { reference, digest: target.digest };
}

/**
 * `portcullis provenance`: SLSA provenance v1 for a Dockerfile build. Prints the predicate (or
 * writes it to --output); with --key, also attests it to the image by both schemes.
 */
export function registerProvenance(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    usageExitCodes(
      program
        .command("provenance")
        .description("write SLSA provenance v1 for a Dockerfile build (and attest it with --key)")
        .requiredOption("--image <image@digest>", "the image built")
        .requiredOption("--dockerfile <file>", "the Dockerfile it was built from")
        .requiredOption("--context <dir>", "the build context")
        .requiredOption("--builder-id <uri>", "who built it (a URI naming the build platform)")
        .option("--source-uri <uri>", "the source repository, e.g. git+https://github.com/o/r")
        .option("--source-digest <alg:hex>", "the source revision, e.g. sha1:<commit>")
        .option("--build-arg <key=value>", "a build argument (repeatable)", collectPair)
        .option("--started-on <time>", "when the build started (RFC 3339; default now)")
        .option("--finished-on <time>", "when the build finished (RFC 3339; default now)")
        .option("--output <file>", "write the predicate here instead of standard output")
        .option("--key <file>", "also attest the provenance to the image with this key"),
    ),
  ).action((flags: ProvenanceFlags) =>
    runWith(setExit, async () => {
      if (flags.sourceDigest !== undefined && flags.sourceUri === undefined) {
        throw new UsageError("--source-digest needs --source-uri");
      }
      const ref = parseImage(flags.image);
      const bytes = await fromInputFile("--dockerfile", flags.dockerfile, () => readFile(flags.dockerfile));
      const buildArgs = flags.buildArg ?? {};
      const startedOn = dateFlag(flags.startedOn, "--started-on");
      const finishedOn = dateFlag(flags.finishedOn, "--finished-on");
      const baseImages = [];
      const bases = fromInputFile("--dockerfile", flags.dockerfile, () =>
        baseImagesOf(bytes.toString("utf8"), buildArgs),
      );
      for (const base of bases) {
        baseImages.push(await resolveBase(base, flags));
      }
      const predicate = buildProvenance({
        dockerfile: { path: flags.dockerfile, bytes },
        buildArgs,
        context: flags.context,
        ...(flags.sourceUri !== undefined
          ? {
              source: { uri: flags.sourceUri, ...(flags.sourceDigest ? { digest: flags.sourceDigest } : {}) },
            }
          : {}),
        baseImages,
        builderId: flags.builderId,
        startedOn,
        finishedOn,
      });
      const text = `${JSON.stringify(predicate, null, 2)}\n`;
      if (flags.output !== undefined) writeFileSync(flags.output, text);
      else if (flags.key === undefined) process.stdout.write(text);
      if (flags.key !== undefined) {
        const { target, result } = await attachAttestation(
          ref,
          flags,
          flags.key,
          PREDICATE_TYPE_SLSA_V1,
          predicate,
        );
        process.stdout.write(
          describeStored(`Attested (${PREDICATE_TYPE_SLSA_V1})`, target.dockerReference, result),
        );
      }
      return 0;
    }),
  );
}
