import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { openImage, type WalkLimits } from "../oci/index.js";
import { generateSbom, type SbomDocument, toCycloneDx, toSpdx } from "../sbom/index.js";
import { foundIn } from "./found-in.js";
import { addImageOptions, type ImageFlags, imageHelp, imageOptionsFrom } from "./image-options.js";
import { configFrom, type PlatformFlags, withPlatformFlags } from "./options.js";
import { printTable } from "./output.js";
import { formatBytes, Progress } from "./progress.js";

const SBOM_FORMATS = ["cyclonedx-json", "spdx-json", "table", "json"] as const;
type SbomFormat = (typeof SBOM_FORMATS)[number];

interface SbomFlags extends ImageFlags, PlatformFlags {
  format: string;
  maxFileBytes?: string;
  output?: string;
  quiet?: boolean;
}

/** Reads an image with a progress line on a terminal, and returns its SBOM document. */
export async function sbomOfImage(
  spec: string,
  flags: ImageFlags & { quiet?: boolean },
  version: string,
  limits: Partial<WalkLimits> = {},
): Promise<{ doc: SbomDocument; warnings: string[]; base?: { name?: string; digest?: string } }> {
  const progress = Progress.forTerminal(flags.quiet);
  const warnings: string[] = [];
  progress.update(`opening ${spec}…`, true);
  const image = await openImage(spec, await imageOptionsFrom(flags));
  try {
    const doc = await generateSbom(image, {
      name: spec,
      toolVersion: version,
      limits,
      warn: (message) => warnings.push(message),
      onProgress: (p) =>
        progress.update(
          `reading layer ${p.layer + 1}/${p.layers}: ${formatBytes(p.bytesRead)} of ${formatBytes(p.bytesTotal)}`,
        ),
    });
    return { doc, warnings, ...baseOf(image) };
  } finally {
    progress.done();
    await image.close();
  }
}

/**
 * The base image an image records: the OCI annotations `org.opencontainers.image.base.name/digest`
 * on the manifest (BuildKit writes them), else the same keys as config labels.
 */
function baseOf(image: Awaited<ReturnType<typeof openImage>>): { base?: { name?: string; digest?: string } } {
  if (image.kind !== "image") return {};
  const annotations = image.manifest.parsed.annotations ?? {};
  const labels = image.config.parsed.config?.Labels ?? {};
  const name =
    annotations["org.opencontainers.image.base.name"] ?? labels["org.opencontainers.image.base.name"];
  const digest =
    annotations["org.opencontainers.image.base.digest"] ?? labels["org.opencontainers.image.base.digest"];
  if (name === undefined && digest === undefined) return {};
  return { base: { ...(name ? { name } : {}), ...(digest ? { digest } : {}) } };
}

/**
 * Renders the SBOM. Incompleteness is never lost: CycloneDX and SPDX carry it as
 * `portcullis:incomplete:N:*` properties or annotations of the subject, JSON as `complete` and
 * `incomplete` (with every warning), the table as a block before the packages.
 */
export function renderSbom(doc: SbomDocument, format: SbomFormat, warnings: readonly string[] = []): string {
  const incomplete = doc.incomplete ?? [];
  switch (format) {
    case "cyclonedx-json":
      return toCycloneDx(doc);
    case "spdx-json":
      return toSpdx(doc);
    case "json":
      return `${JSON.stringify({ ...doc, complete: incomplete.length === 0, incomplete, warnings }, null, 2)}\n`;
    case "table": {
      const rows = doc.packages.map((p) => {
        const location = foundIn(p);
        return [
          p.type,
          p.name,
          p.version,
          location?.path ?? "",
          location?.layerIndex === undefined ? "" : String(location.layerIndex),
        ];
      });
      let out = "";
      const sink = { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream;
      const os = doc.distro
        ? `${doc.distro.prettyName ?? `${doc.distro.id} ${doc.distro.versionId ?? ""}`}`
        : "unknown";
      sink.write(`${doc.subject.name}${doc.subject.digest ? ` (${doc.subject.digest})` : ""}\nOS: ${os}\n\n`);
      if (incomplete.length > 0) {
        sink.write("INCOMPLETE SBOM: packages may be missing\n");
        for (const reason of incomplete) sink.write(`  ${reason.code}: ${reason.message}\n`);
        sink.write("\n");
      }
      printTable(["TYPE", "NAME", "VERSION", "FOUND IN", "LAYER"], rows, sink);
      sink.write(`\n${doc.packages.length} packages${incomplete.length > 0 ? " (incomplete)" : ""}\n`);
      for (const warning of warnings) sink.write(`warning: ${warning}\n`);
      return out;
    }
  }
}

/** `portcullis sbom IMAGE`: every package in an image, as CycloneDX, SPDX, a table or JSON. */
export function registerSbom(program: Command, setExit: (code: number) => void): void {
  addImageOptions(
    withPlatformFlags(program.command("sbom"))
      .description("list every package in an image as an SBOM (CycloneDX 1.6 or SPDX 2.3)")
      .argument("<image>", imageHelp())
      .option("-f, --format <format>", SBOM_FORMATS.join(", "), "cyclonedx-json")
      .option("-o, --output <file>", "write the SBOM to a file instead of standard output")
      .option(
        "--max-file-bytes <n>",
        "largest package database or program read (default scan.maxFileBytes: 64 MiB); a larger one makes the SBOM incomplete",
      )
      .option("-q, --quiet", "no progress line"),
  ).action(async (spec: string, flags: SbomFlags) => {
    if (!(SBOM_FORMATS as readonly string[]).includes(flags.format)) {
      process.stderr.write(
        `portcullis sbom: --format: expected ${SBOM_FORMATS.join(", ")}, got ${JSON.stringify(flags.format)}\n`,
      );
      setExit(2);
      return;
    }
    const maxFileBytes = flags.maxFileBytes === undefined ? undefined : Number(flags.maxFileBytes);
    if (maxFileBytes !== undefined && !(Number.isSafeInteger(maxFileBytes) && maxFileBytes > 0)) {
      process.stderr.write(
        `portcullis sbom: --max-file-bytes: expected a positive number of bytes, got ${JSON.stringify(flags.maxFileBytes)}\n`,
      );
      setExit(2);
      return;
    }
    const { doc, warnings } = await sbomOfImage(spec, flags, program.version() ?? "dev", {
      maxFileBytes: maxFileBytes ?? configFrom(flags).scan.maxFileBytes,
    });
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    if (doc.incomplete) process.stderr.write(`portcullis sbom: incomplete: ${doc.incomplete[0]!.message}\n`);
    const text = renderSbom(doc, flags.format as SbomFormat, warnings);
    if (flags.output) writeFileSync(flags.output, text);
    else process.stdout.write(text);
    setExit(0);
  });
}
