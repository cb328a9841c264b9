import { type Platform, parsePlatform } from "../oci/index.js";

export { collectPlatforms, NODE_PLATFORMS_HELP } from "./define.js";

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
