/** CIS Docker Benchmark section 4 items added as rules: 4.8 (PC148) and 4.11 (PC149). */
import { describe, expect, it } from "vitest";
import { pc148, setsSpecialBits } from "./pc148-no-setuid-setgid.js";
import { pc149 } from "./pc149-verified-packages-only.js";
import { df, linesOf } from "./testing.js";
import type { Rule } from "./types.js";

type Case = readonly [string, string, readonly number[]];

function table(rule: Rule, cases: readonly Case[]): void {
  it.each(cases)("%s", (_name, text, lines) => {
    expect(linesOf(rule, text)).toEqual(lines);
  });
}

function run(...lines: string[]): string {
  return df("FROM debian:12", ...lines.map((l) => (/^[A-Z]+ /.test(l) ? l : `RUN ${l}`)));
}

describe("PC148 no-setuid-setgid", () => {
  table(pc148, [
    ["chmod u+s", run("chmod u+s /usr/local/bin/helper"), [2]],
    ["chmod 4755", run("chmod 4755 /usr/local/bin/helper"), [2]],
    ["chmod -R g+s", run("chmod -R g+s /srv/shared"), [2]],
    ["COPY --chmod", run("COPY --chmod=2755 helper /usr/local/bin/"), [2]],
    ["removing the bits", run("find / -xdev -perm /6000 -type f -exec chmod a-s {} +"), []],
    ["ordinary mode", run("chmod 0755 /entrypoint.sh"), []],
  ]);

  it.each([
    ["4755", true],
    ["02755", true],
    ["6750", true],
    ["1777", false],
    ["755", false],
    ["ug+rs", true],
    ["u=rwxs,g=rx", true],
    ["a-s", false],
    ["+x", false],
  ])("%s sets special bits: %s", (mode, expected) => {
    expect(setsSpecialBits(mode)).toBe(expected);
  });
});

describe("PC149 verified-packages-only", () => {
  table(pc149, [
    ["apt --allow-unauthenticated", run("apt-get install -y --allow-unauthenticated curl"), [2]],
    [
      "apt -o AllowUnauthenticated",
      run("apt-get -o APT::Get::AllowUnauthenticated=true install -y curl"),
      [2],
    ],
    ["yum --nogpgcheck", run("yum install -y --nogpgcheck ./x.rpm"), [2]],
    ["dnf --setopt=sslverify=0", run("dnf --setopt=sslverify=0 install -y x"), [2]],
    ["apk --allow-untrusted", run("apk add --allow-untrusted /tmp/x.apk"), [2]],
    ["pip --trusted-host", run("pip install --trusted-host pypi.example.com x==1"), [2]],
    ["curl -k in a cluster", run("curl -fsSLk https://x.example/a -o a"), [2]],
    ["wget --no-check-certificate", run("wget --no-check-certificate https://x.example/a"), [2]],
    ["git -c http.sslVerify=false", run("git -c http.sslVerify=false clone https://x.example/r"), [2]],
    ["npm strict-ssl", run("npm config set strict-ssl false"), [2]],
    ["ENV GIT_SSL_NO_VERIFY", run("ENV GIT_SSL_NO_VERIFY=1"), [2]],
    ["assignment prefix", run("NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci"), [2]],
    ["verified install", run("apt-get install -y --no-install-recommends curl=8.5.0-2"), []],
    ["curl -K config file", run("curl -K /etc/curlrc https://x.example"), []],
  ]);
});
