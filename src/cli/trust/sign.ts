import type { Command } from "commander";
import { resolveSigningTarget, type StoredResult, signImage } from "../../trust/index.js";
import type { ImageFlags } from "../image-options.js";
import {
  addRegistryOptions,
  collectPair,
  parseImage,
  readSigningKey,
  registryClientFor,
  runWith,
  UsageError,
  usageExitCodes,
} from "./common.js";

interface SignFlags extends ImageFlags {
  key: string;
  annotation?: Record<string, string>;
  tagScheme: boolean;
  referrer: boolean;
  output: string;
}

export function describeStored(what: string, image: string, result: StoredResult): string {
  const lines = [`${what} ${image}@${result.digest}`];
  if (result.tagScheme) {
    lines.push(
      `  cosign tag:  ${result.tagScheme.tag}${result.tagScheme.added ? "" : " (already there, unchanged)"}`,
    );
  }
  if (result.referrer) {
    lines.push(
      `  referrer:    ${result.referrer.manifestDigest}${result.referrer.usedTagSchema ? " (listed in the referrers tag)" : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `portcullis sign IMAGE --key FILE`: cosign sign --key, storing by both schemes. */
export function registerSign(program: Command, setExit: (code: number) => void): void {
  addRegistryOptions(
    usageExitCodes(
      program
        .command("sign")
        .description("sign an image's digest (cosign .sig tag and a Sigstore bundle referrer)")
        .argument("<image>", "registry reference; a tag is resolved to its digest, which is what is signed")
        .requiredOption("--key <file>", "private key (cosign's encrypted format, or PEM)")
        .option(
          "-a, --annotation <key=value>",
          "annotation to sign into the payload (repeatable)",
          collectPair,
        )
        .option("--no-tag-scheme", "do not store the signature under cosign's sha256-<hex>.sig tag")
        .option("--no-referrer", "do not store the signature as an OCI 1.1 referrer bundle")
        .option("-o, --output <format>", "table or json", "table"),
    ),
  ).action((spec: string, flags: SignFlags) =>
    runWith(setExit, async () => {
      if (!flags.tagScheme && !flags.referrer)
        throw new UsageError("--no-tag-scheme and --no-referrer leave nowhere to store");
      const ref = parseImage(spec);
      const key = await readSigningKey(flags.key);
      const client = await registryClientFor(ref, flags);
      const target = await resolveSigningTarget(client, ref);
      const result = await signImage(client, target, key, {
        annotations: flags.annotation ?? {},
        tagScheme: flags.tagScheme,
        referrer: flags.referrer,
      });
      process.stdout.write(
        flags.output === "json"
          ? `${JSON.stringify({ image: target.dockerReference, ...result }, null, 2)}\n`
          : describeStored("Signed", target.dockerReference, result),
      );
      return 0;
    }),
  );
}
