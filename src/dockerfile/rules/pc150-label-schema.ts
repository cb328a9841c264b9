import type { Instruction } from "../ast.js";
import { isValidLabelValue } from "./label-values.js";
import type { LabelType, Rule } from "./types.js";
import { expandedWord, finalChain, hasVariable, instructionsOf, ownInstructions } from "./util.js";

/** hadolint's id for each kind of label problem. */
const DL: Readonly<Record<LabelType | "missing" | "superfluous" | "empty", string>> = {
  missing: "DL3049",
  superfluous: "DL3050",
  empty: "DL3051",
  url: "DL3052",
  rfc3339: "DL3053",
  spdx: "DL3054",
  hash: "DL3055",
  semver: "DL3056",
  email: "DL3058",
  text: "",
};

function labelPairs(instruction: Instruction): { key: string; value: string }[] {
  return instruction.args.map((arg) => {
    const eq = arg.indexOf("=");
    return eq === -1 ? { key: arg, value: "" } : { key: arg.slice(0, eq), value: arg.slice(eq + 1) };
  });
}

export const pc150: Rule = {
  id: "PC150",
  name: "label-schema",
  severity: "warning",
  rationale:
    "Labels are how images say where they come from (source repository, revision, version, licence, " +
    "owner); registries, scanners and the admission policy read them. An organisation that relies on " +
    "them declares a label schema in the lint config (`labelSchema`, `strictLabels`); this rule checks " +
    "that the final image carries each label with a well-formed value. It runs only with a schema.",
  fix:
    "Add the missing labels with valid values, e.g. `LABEL org.opencontainers.image.source=https://… " +
    "org.opencontainers.image.revision=$GIT_SHA` (and declare values set from build args as `text`).",
  equivalents: {
    hadolint: "DL3049, DL3050, DL3051, DL3052, DL3053, DL3054, DL3055, DL3056, DL3058",
  },
  check(context) {
    const schema = context.config.labelSchema;
    if (schema === undefined || Object.keys(schema).length === 0) return;
    // Values: every LABEL in the file.
    for (const { instruction, at } of instructionsOf(context, "LABEL")) {
      for (const pair of labelPairs(instruction)) {
        const key = expandedWord(context, instruction, pair.key);
        const type = key === undefined ? undefined : schema[key];
        if (key === undefined) continue;
        if (type === undefined) {
          if (context.config.strictLabels === true)
            context.report(at, `label "${key}" is not in the label schema (${DL.superfluous})`);
          continue;
        }
        const value = expandedWord(context, instruction, pair.value);
        if (value === undefined) continue;
        if (value.trim() === "") context.report(at, `label "${key}" is empty (${DL.empty})`);
        else if (!isValidLabelValue(type, value))
          context.report(at, `label "${key}" = "${value}" is not a valid ${type} (${DL[type]})`);
      }
    }
    // Presence: the labels of the final stage and the stages it is built FROM.
    const chain = finalChain(context.stages);
    const final = chain[0];
    if (final === undefined) return;
    const present = new Set<string>();
    for (const stage of chain) {
      for (const label of ownInstructions(stage, "LABEL")) {
        for (const pair of labelPairs(label)) {
          present.add(
            hasVariable(pair.key)
              ? (expandedWord(context, label, pair.key) ?? pair.key)
              : pair.key.replace(/^["']|["']$/g, ""),
          );
        }
      }
    }
    for (const key of Object.keys(schema)) {
      if (!present.has(key))
        context.report(final.from, `the final image has no label "${key}" (${DL.missing})`);
    }
  },
};
