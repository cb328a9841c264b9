import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Descriptor, Platform } from "../descriptor.js";
import { couldSelect, isAttestationManifest, platformAsWritten, selectableManifests } from "./selectable.js";

let n = 0;
function entry(platform?: Platform, annotations?: Record<string, string>): Descriptor {
  n++;
  return {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: `sha256:${n.toString(16).padStart(64, "0")}`,
    size: 100,
    ...(platform ? { platform } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

const AMD64: Platform = { os: "linux", architecture: "amd64" };
const ARM64: Platform = { os: "linux", architecture: "arm64" };
const ATTESTATION = { "vnd.docker.reference.type": "attestation-manifest" };

describe("selectableManifests", () => {
  it("selects both children of the issue's index: the mislabelled signed one and the plain one", () => {
    const labelled = entry({ os: "Linux", architecture: "x86_64" });
    const v1 = entry({ os: "linux", architecture: "amd64", variant: "v1" });
    const plain = entry(AMD64);
    // containerd normalises the first two to linux/amd64, containers/image picks only the plain one.
    expect(selectableManifests([labelled, plain], [AMD64])).toEqual([labelled, plain]);
    expect(selectableManifests([v1, plain], [AMD64])).toEqual([v1, plain]);
  });

  it("on arm64 nodes selects arm64 in every spelling and variant, and 32-bit arm", () => {
    const v8 = entry({ os: "linux", architecture: "arm64", variant: "v8" });
    const plain = entry(ARM64);
    const aarch64 = entry({ os: "linux", architecture: "aarch64" });
    const arm7 = entry({ os: "linux", architecture: "arm", variant: "v7" });
    const amd = entry(AMD64);
    expect(selectableManifests([v8, plain, aarch64, arm7, amd], [ARM64])).toEqual([v8, plain, aarch64, arm7]);
  });

  it("on amd64 nodes selects 386 (containerd's platformVector) but never another architecture", () => {
    const i386 = entry({ os: "linux", architecture: "i386" });
    const arm = entry(ARM64);
    const s390x = entry({ os: "linux", architecture: "s390x" });
    expect(selectableManifests([i386, arm, s390x], [AMD64])).toEqual([i386]);
  });

  it("selects an entry without a platform, or with an empty OS, for every node (containerd keeps them)", () => {
    const none = entry();
    const emptyOs = entry({ os: "", architecture: "amd64" });
    expect(selectableManifests([none, emptyOs], [AMD64])).toEqual([none, emptyOs]);
    expect(selectableManifests([none, emptyOs], [ARM64])).toEqual([none]);
  });

  it("keeps other operating systems apart, and matches the node platform however it is written", () => {
    const windows = entry({ os: "windows", architecture: "amd64", "os.version": "10.0.17763.1" });
    const linux = entry(AMD64);
    expect(selectableManifests([windows, linux], [{ os: "Linux", architecture: "X86_64" }])).toEqual([linux]);
    expect(selectableManifests([windows, linux], [{ os: "windows", architecture: "amd64" }])).toEqual([
      windows,
    ]);
  });

  it("without node platforms selects every entry but BuildKit attestation manifests", () => {
    const amd = entry(AMD64);
    const arm = entry(ARM64);
    const none = entry();
    const attestation = entry({ os: "unknown", architecture: "unknown" }, ATTESTATION);
    // Unknown/unknown without the annotation, or the annotation on a real platform, may be run.
    const unknown = entry({ os: "unknown", architecture: "unknown" });
    const labelled = entry(AMD64, ATTESTATION);
    const all = [amd, arm, none, attestation, unknown, labelled];
    expect(selectableManifests(all)).toEqual([amd, arm, none, unknown, labelled]);
    expect(isAttestationManifest(attestation)).toBe(true);
    expect(isAttestationManifest(labelled)).toBe(false);
    expect(selectableManifests(all, [AMD64, ARM64])).toEqual([amd, arm, none, labelled]);
  });

  it("names a platform as the index wrote it", () => {
    expect(platformAsWritten({ os: "Linux", architecture: "x86_64" })).toBe(
      '{"os":"Linux","architecture":"x86_64"}',
    );
    expect(platformAsWritten({ os: "linux", architecture: "amd64", variant: "v1" })).toBe(
      '{"os":"linux","architecture":"amd64","variant":"v1"}',
    );
    expect(platformAsWritten(undefined)).toBe("no platform");
  });
});

// ---- Reference matchers, written from the runtimes' sources, to check selectableManifests against ----

/** containers/image internal/pkg/platform/platform_matcher.go: WantedPlatforms + MatchesPlatform. */
const COMPATIBILITY: Record<string, string[]> = { arm: ["v8", "v7", "v6", "v5"], arm64: ["v8"] };
const BASE_VARIANT: Record<string, string> = { arm64: "v8" };

function exactMatch(child: Platform | undefined, node: Platform, variantChoice: string): boolean {
  if (child === undefined) return false; // chooseInstance skips entries without a platform
  let variants: string[];
  if (variantChoice !== "") {
    const order = COMPATIBILITY[node.architecture];
    const i = order ? order.indexOf(variantChoice) : -1;
    variants = i >= 0 && order ? order.slice(i) : [variantChoice];
    variants.push("");
  } else {
    variants = [""];
    const base = BASE_VARIANT[node.architecture];
    if (base) variants.push(base);
  }
  return variants.some(
    (v) => child.os === node.os && child.architecture === node.architecture && (child.variant ?? "") === v,
  );
}

/** containerd/platforms database.go normalizeOS/normalizeArch, with the node's OS as runtime.GOOS. */
function normalize(p: Platform, goos: string): { os: string; architecture: string; variant: string } {
  let os = p.os === "" ? goos : p.os.toLowerCase();
  if (os === "macos") os = "darwin";
  let arch = p.architecture.toLowerCase();
  let variant = (p.variant ?? "").toLowerCase();
  switch (arch) {
    case "i386":
      arch = "386";
      variant = "";
      break;
    case "x86_64":
    case "x86-64":
    case "amd64":
      arch = "amd64";
      if (variant === "v1") variant = "";
      break;
    case "aarch64":
    case "arm64":
      arch = "arm64";
      if (variant === "8" || variant === "v8" || variant === "v8.0") variant = "";
      else if (variant === "9" || variant === "9.0" || variant === "v9.0") variant = "v9";
      break;
    case "armhf":
      arch = "arm";
      variant = "v7";
      break;
    case "armel":
      arch = "arm";
      variant = "v6";
      break;
    case "arm":
      if (variant === "" || variant === "7") variant = "v7";
      else if (variant === "5" || variant === "6" || variant === "8") variant = `v${variant}`;
      break;
  }
  return { os, architecture: arch, variant };
}

const ARM64_VERSIONS: Record<string, [number[], number[]]> = {
  v8: [[8], [0]],
  "v8.2": [[8], [2]],
  v9: [
    [9, 8],
    [0, 5],
  ],
};

/** containerd/platforms compare.go platformVector. */
function platformVector(p: Platform): Platform[] {
  const vector: Platform[] = [p];
  const number = Number.parseInt((p.variant ?? "").replace(/^v/, ""), 10);
  if (p.architecture === "amd64") {
    if (number > 1) for (let v = number - 1; v >= 1; v--) vector.push({ ...p, variant: `v${v}` });
    vector.push({ os: p.os, architecture: "386" });
    return vector;
  }
  if (p.architecture === "arm") {
    if (number > 5) for (let v = number - 1; v >= 5; v--) vector.push({ ...p, variant: `v${v}` });
    return vector;
  }
  if (p.architecture === "arm64") {
    let variant = p.variant || "v8";
    const out: Platform[] = [];
    const versions = ARM64_VERSIONS[variant];
    if (versions) {
      versions[0].forEach((major, i) => {
        for (let minor = versions[1][i] ?? 0; minor >= 0; minor--) {
          out.push({
            os: p.os,
            architecture: "arm64",
            variant: minor === 0 ? `v${major}` : `v${major}.${minor}`,
          });
        }
      });
    }
    if (variant.startsWith("v8") || variant.startsWith("v9")) variant = "v8";
    return [...out, ...platformVector({ os: p.os, architecture: "arm", variant })];
  }
  return vector;
}

/** containerd: images.Manifest keeps entries without a platform; otherwise platforms.Only(node).Match. */
function normalisingMatch(child: Platform | undefined, node: Platform): boolean {
  if (child === undefined) return true;
  const goos = node.os;
  const n = normalize(child, goos);
  const wanted = normalize(node, goos);
  return platformVector({ os: wanted.os, architecture: wanted.architecture, variant: wanted.variant }).some(
    (v) => {
      const m = normalize(v, goos);
      return m.os === n.os && m.architecture === n.architecture && m.variant === n.variant;
    },
  );
}

const NODE_VARIANTS: Record<string, string[]> = {
  amd64: ["", "v1", "v2", "v3", "v4"],
  arm64: ["", "v8", "v8.2", "v9"],
  arm: ["", "v5", "v6", "v7", "v8"],
};

const childPlatform: fc.Arbitrary<Platform | undefined> = fc.option(
  fc.record(
    {
      os: fc.constantFrom("linux", "Linux", "LINUX", "", "windows", "darwin", "macos", "unknown"),
      architecture: fc.constantFrom(
        "amd64",
        "AMD64",
        "x86_64",
        "X86_64",
        "x86-64",
        "386",
        "i386",
        "arm64",
        "ARM64",
        "aarch64",
        "arm",
        "armhf",
        "armel",
        "s390x",
        "ppc64le",
        "unknown",
        "",
      ),
      variant: fc.constantFrom("", "v1", "V1", "v2", "v3", "v5", "v6", "v7", "v8", "8", "v8.0", "v8.2", "v9"),
    },
    { requiredKeys: ["os", "architecture"] },
  ),
  { nil: undefined, freq: 6 },
);
const nodePlatform: fc.Arbitrary<Platform> = fc.record({
  os: fc.constantFrom("linux", "windows"),
  architecture: fc.constantFrom("amd64", "arm64", "arm", "386", "s390x", "ppc64le"),
});

describe("selectableManifests against the runtimes' own rules (property)", () => {
  it("holds every child that containers/image's exact match or containerd's normalising match could pick", () => {
    fc.assert(
      fc.property(fc.array(childPlatform, { maxLength: 8 }), nodePlatform, (platforms, node) => {
        const children = platforms.map((p) => entry(p));
        const ours = new Set(selectableManifests(children, [node]).map((c) => c.digest));
        const variants = NODE_VARIANTS[node.architecture] ?? [""];
        for (const child of children) {
          const exact = variants.some((v) => exactMatch(child.platform, node, v));
          const normalising = variants.some((v) =>
            normalisingMatch(child.platform, v === "" ? node : { ...node, variant: v }),
          );
          if (exact || normalising) {
            expect(
              ours.has(child.digest),
              `${platformAsWritten(child.platform)} on ${JSON.stringify(node)}`,
            ).toBe(true);
          }
          // Without node platforms, everything any node could pick is judged as well.
          if (couldSelect(child, node)) expect(selectableManifests([child])).toEqual([child]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("the reference rules reproduce the issue: each picks a different child of the same index", () => {
    const labelled: Platform = { os: "Linux", architecture: "x86_64" };
    expect(exactMatch(labelled, AMD64, "")).toBe(false);
    expect(normalisingMatch(labelled, AMD64)).toBe(true);
    expect(exactMatch(AMD64, AMD64, "")).toBe(true);
    expect(exactMatch({ ...AMD64, variant: "v1" }, AMD64, "")).toBe(false);
    expect(normalisingMatch({ ...AMD64, variant: "v1" }, AMD64)).toBe(true);
    expect(exactMatch({ ...ARM64, variant: "v8" }, ARM64, "")).toBe(true);
    expect(normalisingMatch({ os: "linux", architecture: "arm", variant: "v7" }, ARM64)).toBe(true);
  });
});
