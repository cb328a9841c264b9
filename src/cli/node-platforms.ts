import { type Platform, parsePlatform } from "../oci/index.js";

/**
 * `--platform` of the policy gates (verify --policy, admission serve): the platforms of the nodes that
 * run what the gate admits, repeated or comma-separated. A multi-platform index is judged by every image
 * a runtime could select on one of them; without the flag, by every image it lists.
 */
export const NODE_PLATFORMS_HELP =
  "platforms of the nodes that run the image (repeat or comma-separate: linux/amd64,linux/arm64); " +
  "a multi-platform index is judged by every image a runtime could select on them (default: every image it lists)";

/** commander's collector: each use of the flag adds its comma-separated platforms. */
export function collectPlatforms(value: string, previous: readonly string[] = []): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim())];
}

/** The parsed platforms, or undefined when none were given; `invalid` says what is wrong with one. */
export function nodePlatforms(
  values: readonly string[] | undefined,
  invalid: (message: string) => Error,
): Platform[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  return values.map((value) => {
    const platform = parsePlatform(value);
    if (!platform)
      throw invalid(`--platform must be OS/ARCH[/VARIANT] (linux/arm64), not ${JSON.stringify(value)}`);
    return platform;
  });
}
