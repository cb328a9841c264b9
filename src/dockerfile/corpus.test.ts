/**
 * Real Dockerfiles (testdata/corpus, from the Dinosaur dataset) with the findings hadolint's rule
 * documentation (github.com/hadolint/hadolint README and wiki) says it reports for the rules we map,
 * written by reading each file against those rule descriptions. Our findings must include each one:
 * a finding on the same line from a rule whose `equivalents.hadolint` lists the DL id.
 * Deliberate differences are left out of the tables and noted where they occur.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lintText } from "./lint/index.js";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "testdata", "corpus");

type Expected = readonly (readonly [line: number, hadolint: string])[];

const EXPECTED: Readonly<Record<string, Expected>> = {
  enriquesantos__crashplan: [
    [2, "DL4000"],
    [15, "DL3020"],
  ],
  "maximliefaard__docker-ubuntu-imove": [
    [2, "DL4000"],
    [4, "DL3020"],
    [6, "DL3059"],
    [7, "DL3059"],
    [8, "DL3059"],
    [7, "DL3009"],
    [8, "DL3008"],
    [8, "DL3015"],
  ],
  hurence__burrow: [
    [3, "DL4000"],
    [5, "DL3018"],
    [11, "DL3020"],
    [12, "DL3003"],
    [18, "DL3020"],
  ],
  "joschi36__ionic-cloud-cli": [
    [3, "DL3018"],
    [4, "DL3018"],
    [4, "DL3059"],
    [5, "DL3059"],
    [6, "DL3059"],
    [5, "DL3016"],
    [6, "DL3016"],
  ],
  // `rm -Rf /var/lib/apt/lists/*.gz` leaves the lists: DL3009 still applies.
  "defensative__dnsmasq-ubuntu": [
    [3, "DL4000"],
    [5, "DL3020"],
    [6, "DL3020"],
    [8, "DL3008"],
    [8, "DL3015"],
    [8, "DL3009"],
    [8, "DL4006"],
  ],
  // Line 4 follows a RUN of three commands, so DL3059 skips it; line 11 has six.
  jayjanssen__icedcoffeescript: [
    [1, "DL3007"],
    [3, "DL3008"],
    [3, "DL3015"],
    [3, "DL3009"],
    [4, "DL3016"],
    [5, "DL3059"],
    [8, "DL3059"],
    [9, "DL3059"],
    [10, "DL3059"],
    [11, "DL4006"],
  ],
  "luiscape__hdx-monitor-scraper-status": [
    [7, "DL3007"],
    [9, "DL4000"],
    [11, "DL3014"],
    [11, "DL3008"],
    [11, "DL3015"],
    [11, "DL3003"],
    [21, "DL3025"],
  ],
  oavdeev__trck: [
    [3, "DL3008"],
    [3, "DL3015"],
    [11, "DL3003"],
    [15, "DL3003"],
    [15, "DL3059"],
    [17, "DL3059"],
    [18, "DL3003"],
  ],
  "beenote__mongo-backup-to-s3": [
    [4, "DL3008"],
    [4, "DL3015"],
    [5, "DL3013"],
    [5, "DL3042"],
    [15, "DL3025"],
  ],
  kamermans__curl: [
    [5, "DL3008"],
    [5, "DL3015"],
    [5, "DL3047"],
    [5, "DL3003"],
    [20, "DL3025"],
  ],
  "bryanlarsen__gimp-2.10": [
    [3, "DL3041"],
    [9, "DL3025"],
  ],
  evili__djangoci: [
    [1, "DL3007"],
    [9, "DL3003"],
    [9, "DL3041"],
    [9, "DL3040"],
    [20, "DL3003"],
    [26, "DL3041"],
    [26, "DL3040"],
  ],
  "1040114823__cundang": [
    [1, "DL3007"],
    [5, "DL3018"],
    [5, "DL3003"],
    [20, "DL3020"],
    [24, "DL3025"],
  ],
  "bathmash__texlive-docker-build": [
    [11, "DL3008"],
    [11, "DL3015"],
  ],
  "arnaudsj__docker-rabbitmq": [
    [2, "DL4000"],
    [5, "DL3008"],
    [5, "DL3015"],
    [5, "DL3059"],
    [6, "DL3047"],
    [6, "DL3059"],
    [7, "DL3059"],
    [8, "DL3059"],
    [8, "DL3009"],
    [11, "DL3059"],
    [12, "DL3059"],
    [14, "DL3059"],
    [14, "DL3008"],
    [14, "DL3015"],
    [15, "DL3059"],
  ],
  iamthefij__minitor: [[14, "DL3042"]],
  faucet__dbuilder: [
    [7, "DL3008"],
    [7, "DL3015"],
    [7, "DL3028"],
    [7, "DL4006"],
  ],
  "stepanstipl__fpm-debian8-gem": [
    [2, "DL4000"],
    [5, "DL3008"],
    [5, "DL3015"],
    [8, "DL3028"],
    [10, "DL3059"],
  ],
  ayumukasuga__3proxy: [
    [1, "DL3007"],
    [6, "DL3018"],
    [6, "DL3019"],
    [7, "DL4006"],
    [7, "DL3003"],
    [16, "DL3007"],
    [17, "DL3018"],
    [17, "DL3019"],
  ],
  "octoblu__meshblu-authenticator-peter-party": [[2, "DL4000"]],
  adiwitcoth__alpine: [
    [7, "DL3006"],
    [16, "DL3018"],
  ],
  "glud__slud-backend": [
    [4, "DL3018"],
    [8, "DL3042"],
  ],
  dceoy__cutadapt: [
    [1, "DL3007"],
    [7, "DL4005"],
    [10, "DL3008"],
    [19, "DL3013"],
  ],
  "rb2nem__nem-dev-docker": [
    [2, "DL4000"],
    [3, "DL3041"],
    [3, "DL3040"],
    [4, "DL4005"],
    [4, "DL3059"],
    [6, "DL4006"],
    [7, "DL3059"],
    [8, "DL3059"],
    [13, "DL3059"],
    [15, "DL3059"],
    [16, "DL3059"],
  ],
  "elidaian__edsudoku-gunicorn-mysql": [
    [1, "DL3006"],
    [3, "DL4000"],
    [6, "DL3013"],
    [6, "DL3042"],
  ],
  zulumarketing__postgresql: [
    [2, "DL4000"],
    [15, "DL3008"],
    [15, "DL3015"],
    [15, "DL3009"],
  ],
  liske__najabo: [
    [7, "DL3047"],
    [16, "DL3020"],
    [17, "DL3020"],
    [18, "DL3020"],
    [20, "DL3008"],
    [20, "DL3009"],
  ],
  qyvlik__oce: [
    [2, "DL3020"],
    [3, "DL3020"],
    [8, "DL4000"],
  ],
  "hungnt__rancher-service-producer-example": [[3, "DL4000"]],
  "popstas__yandex-dialogs-client": [
    [5, "DL3018"],
    [10, "DL3003"],
    [11, "DL3059"],
    [19, "DL3025"],
  ],
  // `venv/bin/pip` is left out: whether hadolint reads a path-qualified pip as pip is not documented.
  "iskyd__photos-iskyd": [
    [5, "DL4006"],
    [7, "DL3008"],
    [7, "DL3015"],
    [7, "DL3009"],
    [7, "DL3059"],
    [11, "DL3059"],
    [12, "DL3059"],
    [18, "DL3016"],
  ],
  sebastianhutter__podcaster: [
    [2, "DL4000"],
    [4, "DL3018"],
    [5, "DL3020"],
    [6, "DL3042"],
    [7, "DL3020"],
  ],
  "aherve__node-ubuntu": [
    [3, "DL3008"],
    [3, "DL3015"],
    [3, "DL3009"],
    [3, "DL4006"],
    [3, "DL3016"],
  ],
  plotlydashbook__plotlydash: [
    [5, "DL3008"],
    [5, "DL3015"],
    [5, "DL3009"],
    [5, "DL4006"],
    [5, "DL3042"],
  ],
  glowlex__pestyle: [
    [8, "DL3008"],
    [8, "DL3015"],
    [8, "DL3009"],
    [8, "DL3042"],
    [21, "DL3025"],
  ],
  moskitohll__nginx: [
    [1, "DL3006"],
    [4, "DL3020"],
    [8, "DL3059"],
    [9, "DL3059"],
    [19, "DL3025"],
  ],
  "micophi__sdk-builder-base": [
    [1, "DL3007"],
    [6, "DL3009"],
    [7, "DL3008"],
    [7, "DL3015"],
    [7, "DL3059"],
    [9, "DL3059"],
    [14, "DL4006"],
    [16, "DL4006"],
    [16, "DL3059"],
    [17, "DL4006"],
    [17, "DL3059"],
  ],
  muicoder__tomcat: [
    [12, "DL3018"],
    [12, "DL4006"],
  ],
  "mjvdende__gitlab-ce": [
    [4, "DL3004"],
    [4, "DL4006"],
    [4, "DL3059"],
    [6, "DL3009"],
    [6, "DL3059"],
    [7, "DL3008"],
    [7, "DL3015"],
    [7, "DL3059"],
    [9, "DL3059"],
  ],
  // Package pins behind `sudo` are left out: hadolint's documentation does not say it looks through sudo.
  thshaw__pidgin: [
    [8, "DL4000"],
    [10, "DL3004"],
    [11, "DL3004"],
    [11, "DL3059"],
    [13, "DL3004"],
    [13, "DL3059"],
    [15, "DL3004"],
    [15, "DL3059"],
  ],
  bernieke__recipes: [
    [2, "DL4000"],
    [9, "DL3059"],
    [10, "DL3059"],
    [15, "DL3008"],
    [15, "DL3015"],
    [15, "DL3009"],
    [16, "DL3013"],
    [17, "DL3059"],
  ],
  "eltriny__jenkins-jnlp-slave": [
    [9, "DL3008"],
    [9, "DL3015"],
    [9, "DL3009"],
  ],
  "garethjevans__jenkinsslave-ansible": [
    [5, "DL3008"],
    [5, "DL3015"],
    [5, "DL3013"],
    [5, "DL3042"],
  ],
  gnewpg__gnewpg: [
    [2, "DL4000"],
    [4, "DL3025"],
    [7, "DL3018"],
    [9, "DL3059"],
  ],
  mackay__mongo: [
    [2, "DL4000"],
    [7, "DL3018"],
    [7, "DL3047"],
  ],
  "nathanthegr8__sia-docker": [
    [11, "DL3008"],
    [11, "DL3015"],
    [11, "DL3009"],
    [17, "DL3047"],
    [17, "DL3059"],
    [18, "DL3059"],
    [28, "DL3025"],
  ],
  mravenel__fossil: [[8, "DL3018"]],
  "nalbam__spring-hystrix-monitor": [[13, "DL3000"]],
  "flatlandchurch__flatland-site-reactjs-public": [[8, "DL3060"]],
  sxmxc__lofeefront_web: [
    [7, "DL3060"],
    [9, "DL3006"],
  ],
  // `python3.6 -m pip` is left out for DL3013/DL3042, like `venv/bin/pip` above.
  "asrnederland__gitlab-runner-ansible": [
    [6, "DL3059"],
    [6, "DL3032"],
    [8, "DL3059"],
    [9, "DL3033"],
    [9, "DL3059"],
    [21, "DL3059"],
    [22, "DL3059"],
    [23, "DL3059"],
    [24, "DL3059"],
  ],
  "smetsys1uza__zing-centos": [[7, "DL3032"]],
  "boombatower__tumbleweed-review": [
    [1, "DL3006"],
    [2, "DL4000"],
    [4, "DL3037"],
    [4, "DL3036"],
    [13, "DL3013"],
    [13, "DL3042"],
    [13, "DL3059"],
    [15, "DL3020"],
  ],
  "opensuse__salt-master": [
    [2, "DL4000"],
    [4, "DL3037"],
    [9, "DL4006"],
    [9, "DL3059"],
    [11, "DL3025"],
  ],
};

function hadolintFindings(file: string): Set<string> {
  const result = lintText(readFileSync(join(DIR, file)), { file });
  const found = new Set<string>();
  for (const finding of result.findings) {
    for (const dl of (finding.equivalents.hadolint ?? "").split(/[\s,]+/)) {
      if (dl !== "") found.add(`${finding.line} ${dl}`);
    }
  }
  return found;
}

describe("corpus: findings hadolint documents", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".Dockerfile"));

  it("has an expectation for every corpus file", () => {
    expect(files.map((f) => f.replace(/\.Dockerfile$/, "")).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s", (name, expected) => {
    const found = hadolintFindings(`${name}.Dockerfile`);
    const missing = expected.map(([line, dl]) => `${line} ${dl}`).filter((key) => !found.has(key));
    expect(missing).toEqual([]);
  });

  it("parses every corpus file", () => {
    for (const file of files) {
      const result = lintText(readFileSync(join(DIR, file)), { file });
      expect(
        result.findings.filter((f) => f.rule === "PC000"),
        file,
      ).toEqual([]);
    }
  });
});
