import type { Descriptor, Platform } from "../descriptor.js";

/**
 * Which children of an index a runtime could select, for a gate that must judge every one of them.
 *
 * Runtimes disagree on how an index entry's platform is matched, and an attacker who can write an index
 * chooses the labels; a gate that judges only the child its own matcher picks judges one image while a
 * node runs another. So a node platform selects the union of what each matcher in use could pick:
 *
 * - containers/image (skopeo, podman, CRI-O; internal/pkg/platform/platform_matcher.go): exact,
 *   case-sensitive os/architecture, and a variant from the wanted list (the detected or chosen variant,
 *   then the less capable ones of `compatibility`, then "" — or "" then arm64's base "v8" when none is
 *   chosen). Entries without a platform are skipped.
 * - containerd (containerd/platforms, compare.go `Only`, database.go `normalizeArch`): os lower-cased
 *   ("macos" is darwin, "" is the node's own OS), architecture aliases (x86_64 and x86-64 → amd64,
 *   aarch64 → arm64, i386 → 386, armhf and armel → arm), amd64 v1 and arm64 v8 are "no variant", and a
 *   node also runs its sub-platforms: amd64/vN runs amd64/v1..vN-1 and 386, arm64 runs arm/v8..v5, arm/vN
 *   runs arm/vN-1..v5. containerd's images.Manifest keeps entries without a platform as candidates.
 *
 * The node's CPU variant is not something a gate can know (containers/image reads /proc/cpuinfo,
 * containerd may too, and both let an operator choose one), so every variant of an architecture the
 * node runs is selectable. The result is a superset of both rules (selectable.test.ts checks it against
 * reference versions of each); being wider only means more children are judged.
 */

/** BuildKit's attestation manifests (buildkit docs/attestations/attestation-storage.md). */
export const DOCKER_REFERENCE_TYPE = "vnd.docker.reference.type";
const ATTESTATION_MANIFEST = "attestation-manifest";

/** containerd's normalizeOS: lower-cased, macos is darwin; "" is the node's own OS. */
export function normaliseOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === "macos" ? "darwin" : lower;
}

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  i386: "386",
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
};

/** containerd's normalizeArch, architecture only (variants do not narrow the selectable set). */
export function normaliseArchitecture(architecture: string): string {
  const lower = architecture.toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

/** The architectures a node of `architecture` runs (containerd's platformVector, compare.go). */
function runnableArchitectures(architecture: string): readonly string[] {
  switch (architecture) {
    case "amd64":
      return ["amd64", "386"];
    case "arm64":
      return ["arm64", "arm"];
    default:
      return [architecture];
  }
}

/**
 * Whether an entry is one of BuildKit's attestation manifests: platform unknown/unknown and the
 * `vnd.docker.reference.type: attestation-manifest` annotation. No runtime runs one (no matcher picks
 * unknown/unknown for a real node); anything else an index lists may be run.
 */
export function isAttestationManifest(entry: Descriptor): boolean {
  return (
    entry.platform?.os === "unknown" &&
    entry.platform.architecture === "unknown" &&
    entry.annotations?.[DOCKER_REFERENCE_TYPE] === ATTESTATION_MANIFEST
  );
}

/** Whether any runtime on a node of `node` could select `entry` from an index. */
export function couldSelect(entry: Descriptor, node: Platform): boolean {
  // containerd keeps an entry without a platform as a candidate for every node.
  if (entry.platform === undefined) return true;
  const nodeOs = normaliseOs(node.os);
  const os = entry.platform.os === "" ? nodeOs : normaliseOs(entry.platform.os);
  if (os !== nodeOs) return false;
  const runs = runnableArchitectures(normaliseArchitecture(node.architecture));
  return runs.includes(normaliseArchitecture(entry.platform.architecture));
}

/**
 * The entries of an index that a runtime could select on nodes of the given platforms, in index order.
 * Without platforms (a gate that does not know its nodes): every entry but BuildKit attestation
 * manifests, since an index can be pulled on any node.
 */
export function selectableManifests(
  manifests: readonly Descriptor[],
  nodes?: readonly Platform[],
): Descriptor[] {
  if (nodes === undefined) return manifests.filter((m) => !isAttestationManifest(m));
  return manifests.filter((m) => nodes.some((node) => couldSelect(m, node)));
}

/** An entry's platform as the index writes it (not normalised), for reasons: `{"os":"Linux",...}`. */
export function platformAsWritten(platform: Platform | undefined): string {
  if (platform === undefined) return "no platform";
  const { os, architecture, variant } = platform;
  const version = platform["os.version"];
  return JSON.stringify({
    os,
    architecture,
    ...(variant !== undefined ? { variant } : {}),
    ...(version !== undefined ? { "os.version": version } : {}),
  });
}
