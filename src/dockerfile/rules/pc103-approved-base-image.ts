import { type ImageReference, parseImageReference } from "../../oci/index.js";
import type { ApprovedBase, Rule } from "./types.js";
import { hasVariable, isExternalBase } from "./util.js";

/** A tag glob (`*` any run of characters, `?` one character) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += ".*";
    else if (ch === "?") source += ".";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function normalisedName(name: string): string | undefined {
  try {
    const ref = parseImageReference(name);
    return `${ref.registry}/${ref.repository}`;
  } catch {
    return undefined;
  }
}

/** Whether `entry` (for the same repository) allows the tag or digest of `ref`. */
function entryAllows(entry: ApprovedBase, ref: ImageReference): boolean {
  const tags = entry.tags ?? [];
  const digests = entry.digests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  if (ref.digest !== undefined && digests.includes(ref.digest)) return true;
  const tag = ref.tag ?? (ref.digest === undefined ? "latest" : undefined);
  return tag !== undefined && tags.some((glob) => globToRegExp(glob).test(tag));
}

export const pc103: Rule = {
  id: "PC103",
  name: "approved-base-image",
  severity: "error",
  rationale:
    "Base images carry an operating system, a package set and a publisher the organisation has to " +
    "trust. Restricting FROM to an approved list (vetted, scanned, patched, supported images) keeps " +
    "unknown publishers and unmaintained distributions out of the supply chain and makes fleet-wide " +
    "patching possible. The rule runs only when `approvedBases` is configured.",
  fix:
    "Build FROM one of the approved base images (and an approved tag or digest of it), or ask the " +
    "platform team to add the image to `approvedBases`.",
  equivalents: {},
  check(context) {
    const approved = context.config.approvedBases;
    if (approved.length === 0) return;
    for (const stage of context.stages) {
      if (!isExternalBase(stage)) continue;
      if (hasVariable(stage.base)) {
        context.report(
          stage.from,
          `base image "${stage.baseRaw}" comes from a build argument with no default and cannot be checked against the approved list`,
        );
        continue;
      }
      let ref: ImageReference;
      try {
        ref = parseImageReference(stage.base);
      } catch {
        context.report(stage.from, `base image "${stage.base}" is not a valid image reference`);
        continue;
      }
      const name = `${ref.registry}/${ref.repository}`;
      const entries = approved.filter((entry) => normalisedName(entry.name) === name);
      if (entries.length === 0) {
        context.report(stage.from, `base image "${stage.base}" is not on the approved list`);
      } else if (!entries.some((entry) => entryAllows(entry, ref))) {
        const version = ref.digest ?? ref.tag ?? "latest";
        context.report(
          stage.from,
          `base image "${stage.base}" is approved, but not at "${version}" (allowed: ${describe(entries)})`,
        );
      }
    }
  },
};

function describe(entries: readonly ApprovedBase[]): string {
  const allowed = entries.flatMap((e) => [...(e.tags ?? []), ...(e.digests ?? [])]);
  return allowed.join(", ");
}
