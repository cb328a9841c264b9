import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { fileInfoOf, filesFromDir, ids, runCataloger } from "../testing.js";
import { rubyCataloger } from "./cataloger.js";
import { rubyStrings } from "./gemspec.js";

const fixture = (path: string): Buffer => readFileSync(new URL(`testdata/${path}`, import.meta.url));
const GEM_HOME = "/usr/local/bundle";

describe("ruby file selection", () => {
  it.each([
    `${GEM_HOME}/specifications/rack-3.0.8.gemspec`,
    "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
    "/app/Gemfile.lock",
    "/app/gems.locked",
  ])("wants %s", (path) => {
    expect(rubyCataloger.wants(fileInfoOf(path))).toBe(true);
  });

  it.each([
    `${GEM_HOME}/gems/rack-3.0.8/rack.gemspec`,
    `${GEM_HOME}/specifications/nested/rack-3.0.8.gemspec`,
    `${GEM_HOME}/gems/rack-3.0.8/Gemfile.lock`,
    "/app/Gemfile",
    "/app/Gemfile.lock.bak",
  ])("ignores %s", (path) => {
    expect(rubyCataloger.wants(fileInfoOf(path))).toBe(false);
  });
});

describe("ruby gems", () => {
  it("reads installed gem specifications", async () => {
    const { packages, warnings, layerDigests } = await runCataloger(rubyCataloger, {
      [`${GEM_HOME}/specifications/bundler-2.1.4.gemspec`]: fixture("bundler.gemspec"),
      [`${GEM_HOME}/specifications/formatador-1.1.0.gemspec`]: fixture("formatador.gemspec"),
    });
    expect(warnings).toEqual([]);
    expect(packages).toEqual([
      {
        type: "gem",
        name: "bundler",
        version: "2.1.4",
        purl: "pkg:gem/bundler@2.1.4",
        licenses: ["MIT"],
        cataloger: "ruby",
        locations: [
          {
            path: `${GEM_HOME}/specifications/bundler-2.1.4.gemspec`,
            layerIndex: 0,
            layerDigest: layerDigests[0],
          },
        ],
      },
      {
        type: "gem",
        name: "formatador",
        version: "1.1.0",
        purl: "pkg:gem/formatador@1.1.0",
        licenses: ["MIT"],
        cataloger: "ruby",
        locations: [
          {
            path: `${GEM_HOME}/specifications/formatador-1.1.0.gemspec`,
            layerIndex: 0,
            layerDigest: layerDigests[0],
          },
        ],
      },
    ]);
  });

  it("reads Gem::Version, single licences and runtime dependencies in RubyGems' forms", async () => {
    const gemspec = [
      "# -*- encoding: utf-8 -*-",
      "Gem::Specification.new do |spec|",
      '  spec.name = "rails-html-sanitizer".freeze',
      '  spec.version = Gem::Version.new("1.6.0")',
      "  spec.license = 'MIT'",
      '  spec.add_runtime_dependency(%q<loofah>.freeze, ["~> 2.21"])',
      '  spec.add_dependency "nokogiri", ">= 1.14"',
      '  spec.add_dependency(%q<loofah>.freeze, ["~> 2.21"])',
      '  spec.add_development_dependency(%q<minitest>.freeze, [">= 0"])',
      "end",
    ].join("\n");
    const { packages } = await runCataloger(rubyCataloger, {
      [`${GEM_HOME}/specifications/rails-html-sanitizer-1.6.0.gemspec`]: gemspec,
    });
    expect(packages.map((pkg) => [pkg.name, pkg.version, pkg.licenses, pkg.dependsOn])).toEqual([
      ["rails-html-sanitizer", "1.6.0", ["MIT"], ["loofah", "nokogiri"]],
    ]);
  });

  it("reads the GEM specs of a Gemfile.lock, not PATH, GIT or unknown sections", async () => {
    const { packages, warnings } = await runCataloger(rubyCataloger, {
      "/app/Gemfile.lock": fixture("Gemfile.lock"),
    });
    expect(warnings).toEqual([]);
    expect(ids(packages).join(" ")).toBe(
      "actionmailer@4.1.1 actionpack@4.1.1 actionview@4.1.1 activemodel@4.1.1 activerecord@4.1.1 activesupport@4.1.1 " +
        "arel@5.0.1.20140414130214 bootstrap-sass@3.1.1.1 builder@3.2.2 coffee-rails@4.0.1 coffee-script@2.2.0 " +
        "coffee-script-source@1.7.0 erubis@2.7.0 execjs@2.0.2 hike@1.2.3 i18n@0.6.9 jbuilder@2.0.7 jquery-rails@3.1.0 " +
        "json@1.8.1 kgio@2.9.2 libv8@3.16.14.3 mail@2.5.4 mime-types@1.25.1 minitest@5.3.4 multi_json@1.10.1 " +
        "mysql2@0.3.16 polyglot@0.3.4 rack@1.5.2 rack-test@0.6.2 rails@4.1.1 railties@4.1.1 raindrops@0.13.0 " +
        "rake@10.3.2 rdoc@4.1.1 ref@1.0.5 sass@3.2.19 sass-rails@4.0.3 sdoc@0.4.0 spring@1.1.3 sprockets@2.11.0 " +
        "sprockets-rails@2.1.3 sqlite3@1.3.9 therubyracer@0.12.1 thor@0.19.1 thread_safe@0.3.3 tilt@1.4.1 " +
        "treetop@1.4.15 tzinfo@1.2.0 uglifier@2.5.0 unicorn@4.8.3",
    );
    expect(packages[0]).toMatchObject({
      purl: "pkg:gem/actionmailer@4.1.1",
      licenses: [],
      dependsOn: ["actionpack", "actionview", "mail"],
    });
  });

  it("drops the platform from a platform-specific gem's version", async () => {
    const lock =
      "GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n    nokogiri (1.16.0-aarch64-linux)\n      racc (~> 1.4)\n";
    const { packages } = await runCataloger(rubyCataloger, { "/app/Gemfile.lock": lock });
    expect(packages.map((pkg) => [pkg.purl, pkg.dependsOn])).toEqual([["pkg:gem/nokogiri@1.16.0", ["racc"]]]);
  });

  it.each([
    [`${GEM_HOME}/specifications/x.gemspec`, "this is not ruby at all"],
    [`${GEM_HOME}/specifications/x.gemspec`, `s.name = "${"a".repeat(50 * 1024 * 1024)}"\ns.version = "1"`],
    [`${GEM_HOME}/specifications/x.gemspec`, 's.name = "ok"\n'],
  ])("warns and skips bad input (case %#)", async (path, text) => {
    const { packages, warnings } = await runCataloger(rubyCataloger, { [path]: text });
    expect(packages).toEqual([]);
    expect(warnings).toHaveLength(1);
  });

  it("reads Ruby string literals", () => {
    expect(rubyStrings(`["MIT".freeze, 'Apache-2.0', %q{BSD}, "a\\"b"]`)).toEqual([
      "MIT",
      "Apache-2.0",
      "BSD",
      'a"b',
    ]);
  });
});

const SHARED = `${import.meta.dirname}/../../../../../shared/testdata/packages/ruby`;
it.skipIf(unavailable(`the shared data set ${SHARED}`, existsSync(SHARED)))(
  "reads every shared ruby fixture without throwing",
  async () => {
    const { packages, warnings } = await runCataloger(rubyCataloger, filesFromDir(SHARED, "/src"));
    expect(packages.length).toBeGreaterThan(0);
    for (const warning of warnings) expect(warning).toMatch(/^ruby: \/src\//);
  },
);
