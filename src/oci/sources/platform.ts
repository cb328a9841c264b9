import type { Descriptor, Platform } from "../descriptor.js";

/**
 * Platform matching as containerd's `platforms.Only` normalises it (containerd/platforms,
 * database.go and defaults): architecture aliases (x86_64 → amd64, aarch64 → arm64), amd64's "v1"
 * is no variant, arm64's default variant is v8 (arm64 = arm64/v8), arm's is v7.
 */
const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  armhf: "arm",
  i386: "386",
};
const DEFAULT_VARIANT: Record<string, string> = { arm64: "v8", arm: "v7", amd64: "v1" };

export const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

export function normalisePlatform(platform: Platform): { os: string; architecture: string; variant: string } {
  const os = platform.os.toLowerCase();
  const architecture =
    ARCH_ALIASES[platform.architecture.toLowerCase()] ?? platform.architecture.toLowerCase();
  const variant = (platform.variant ?? DEFAULT_VARIANT[architecture] ?? "").toLowerCase();
  return { os, architecture, variant };
}

export function platformMatches(want: Platform, have: Platform): boolean {
  const a = normalisePlatform(want);
  const b = normalisePlatform(have);
  return a.os === b.os && a.architecture === b.architecture && a.variant === b.variant;
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter((s) => s).join("/");
}

/** Parses "linux/arm64/v8" (os/arch[/variant]); undefined when malformed. */
export function parsePlatform(text: string): Platform | undefined {
  const [os, architecture, variant, extra] = text.split("/");
  if (!os || !architecture || extra !== undefined) return undefined;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** The first index entry for `want`; entries without a platform never match. */
export function pickManifest(manifests: readonly Descriptor[], want: Platform): Descriptor | undefined {
  return manifests.find((m) => m.platform !== undefined && platformMatches(want, m.platform));
}
