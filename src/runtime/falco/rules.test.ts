import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The alert fixtures are hand-made: this pins them to Falco's real rules, so a fixture cannot drift
 * into a shape Falco never sends (rule name, priority, and the output's text before its fields).
 */
const here = (path: string) => new URL(`../testdata/falco/${path}`, import.meta.url);

interface Rule {
  rule?: string;
  output?: string;
  priority?: string;
}
const rules: Rule[] = ["falco_rules.yaml", "k8s_audit_rules.yaml"].flatMap(
  (file) => parse(readFileSync(here(`rules/${file}`), "utf8")) as Rule[],
);
/** From falcosidekick's README; the rule now lives in Falco's incubating rules, not copied here. */
const FROM_SIDEKICK_README = new Set(["falcosidekick-write-below-binary-dir.json"]);

describe("Falco alert fixtures", () => {
  const fixtures = readdirSync(here(".")).filter((f) => f.endsWith(".json") && !FROM_SIDEKICK_README.has(f));
  it.each(fixtures)("%s matches its rule in the rules files", (file) => {
    const alert = JSON.parse(readFileSync(here(file), "utf8")) as {
      rule: string;
      priority: string;
      output: string;
    };
    const rule = rules.find((r) => r.rule === alert.rule);
    expect(rule, `rule ${alert.rule}`).toBeDefined();
    expect(alert.priority.toLowerCase()).toBe(rule!.priority!.toLowerCase());
    const text = rule!.output!.split(/ \||\(|%/)[0]!.trim();
    expect(alert.output).toContain(text);
  });
  it("covers at least three rules", () => expect(fixtures.length).toBeGreaterThanOrEqual(3));
});
