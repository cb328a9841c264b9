// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile `${...}` syntax under test
/** The rules ported from hadolint's DL30xx/DL40xx list (PC131–PC147) and PC113's rpm/zypper/go pins. */
import { describe, expect, it } from "vitest";
import { pc113 } from "./pc113-pinned-package-versions.js";
import { pc131 } from "./pc131-no-pointless-commands.js";
import { pc132 } from "./pc132-single-healthcheck.js";
import { pc133 } from "./pc133-copy-multiple-sources-to-dir.js";
import { pc134 } from "./pc134-from-platform-constant.js";
import { pc135 } from "./pc135-no-dist-upgrade.js";
import { pc136, referencedVariables } from "./pc136-env-self-reference.js";
import { pc137 } from "./pc137-copy-relative-destination.js";
import { pc138 } from "./pc138-useradd-no-log-init.js";
import { pc139 } from "./pc139-wget-progress.js";
import { labelKeyProblem, pc140 } from "./pc140-label-key-valid.js";
import { pc141 } from "./pc141-consecutive-run.js";
import { pc142 } from "./pc142-yarn-cache-clean.js";
import { pc143 } from "./pc143-one-downloader.js";
import { pc144 } from "./pc144-shell-instruction.js";
import { pc145 } from "./pc145-pipefail.js";
import { pc146 } from "./pc146-instruction-before-from.js";
import { pc147 } from "./pc147-reserved-stage-name.js";
import { df, linesOf } from "./testing.js";
import type { Rule } from "./types.js";

type Case = readonly [string, string, readonly number[]];

function table(rule: Rule, cases: readonly Case[]): void {
  it.each(cases)("%s", (_name, text, lines) => {
    expect(linesOf(rule, text)).toEqual(lines);
  });
}

/** `FROM debian:12` then the given lines, `RUN ` added to those that start with no instruction. */
function run(...lines: string[]): string {
  return df("FROM debian:12", ...lines.map((l) => (/^[A-Z]+ /.test(l) ? l : `RUN ${l}`)));
}

describe("PC113 pinned versions: yum, dnf, zypper, go", () => {
  table(pc113, [
    ["yum unpinned", run("yum install -y httpd && yum clean all"), [2]],
    ["yum pinned", run("yum install -y httpd-2.4.6 && yum clean all"), []],
    ["dnf group and module", run("dnf install -y @development nodejs:18"), []],
    ["microdnf unpinned", run("microdnf install -y shadow-utils"), [2]],
    ["zypper unpinned", run("zypper install -y curl"), [2]],
    ["zypper pinned", run("zypper -n in curl=8.0.1 'wget>=1.21'"), []],
    ["go install latest", run("go install golang.org/x/tools/gopls@latest"), [2]],
    ["go install pinned", run("go install golang.org/x/tools/gopls@v0.15.3"), []],
    ["go install local", run("go install ./cmd/server"), []],
  ]);
});

describe("PC131 no-pointless-commands", () => {
  table(pc131, [
    ["service start", run("service mysql start && mysql < /schema.sql"), [2]],
    ["vim through sudo", run("sudo vim /etc/hosts"), [2]],
    ["installing vim is fine", run("apt-get install -y vim"), []],
    ["ps in a word", run("echo 'ps aux'"), []],
    ["ONBUILD", df("FROM a:1", "ONBUILD RUN kill -9 1"), [2]],
  ]);
});

describe("PC132 single-healthcheck", () => {
  table(pc132, [
    ["two in a stage", run("HEALTHCHECK CMD true", "HEALTHCHECK CMD curl -f http://localhost/"), [2]],
    ["one per stage", df("FROM a:1", "HEALTHCHECK CMD true", "FROM b:1", "HEALTHCHECK NONE"), []],
  ]);
});

describe("PC133 copy-multiple-sources-to-dir", () => {
  table(pc133, [
    ["no slash", run("COPY package.json yarn.lock /app"), [2]],
    ["slash", run("COPY package.json yarn.lock /app/"), []],
    ["two args", run("COPY package.json /app"), []],
    ["exec form", run('COPY ["a", "b", "/dst"]'), [2]],
    ["ADD", run("ADD a.tar b.tar /opt"), [2]],
    ["destination from ENV", run("ENV APP=/app/", "COPY a b $APP"), []],
    ["destination from unknown ARG", run("ARG DEST", "COPY a b $DEST"), []],
  ]);
});

describe("PC134 from-platform-constant", () => {
  table(pc134, [
    ["constant", df("FROM --platform=linux/amd64 debian:12"), [1]],
    ["BUILDPLATFORM", df("FROM --platform=$BUILDPLATFORM golang:1.22 AS build"), []],
    ["none", df("FROM debian:12"), []],
  ]);
});

describe("PC135 no-dist-upgrade", () => {
  table(pc135, [
    ["zypper dup", run("zypper -n dup"), [2]],
    ["zypper dist-upgrade", run("zypper --non-interactive dist-upgrade"), [2]],
    ["apt-get dist-upgrade", run("apt-get update && apt-get dist-upgrade -y"), [2]],
    ["apt-get upgrade", run("apt-get update && apt-get upgrade -y"), []],
    ["zypper update", run("zypper -n update"), []],
  ]);
});

describe("PC136 env-self-reference", () => {
  table(pc136, [
    ["same statement", run("ENV A=/opt B=$A/bin"), [2]],
    ["braces", run("ENV PREFIX=/usr/local PATH=${PREFIX}/bin:$PATH"), [2]],
    ["defined before", run("ENV A=/opt", "ENV A=/srv B=$A/bin"), []],
    ["ARG before", run("ARG A", "ENV A=/opt B=$A/bin"), []],
    ["separate statements", run("ENV A=/opt", "ENV B=$A/bin"), []],
    ["own value", run("ENV PATH=/x:$PATH"), []],
    ["prefix of a longer name", run("ENV A=1 B=$AB"), []],
    ["single-quoted", run("ENV A=1 B='$A'"), []],
  ]);

  it("reads references as BuildKit would", () => {
    expect(referencedVariables("${A:-x}$B\\$C'$D'", "\\")).toEqual(["A", "B"]);
  });
});

describe("PC137 copy-relative-destination", () => {
  table(pc137, [
    ["no WORKDIR", run("COPY app.py app/"), [2]],
    ["dot", run("COPY . ."), [2]],
    ["after WORKDIR", run("WORKDIR /app", "COPY . ."), []],
    ["absolute", run("COPY app.py /app/"), []],
    ["WORKDIR in the parent stage", df("FROM a:1 AS base", "WORKDIR /app", "FROM base", "COPY . ."), []],
    ["WORKDIR in another stage", df("FROM a:1", "WORKDIR /app", "FROM b:1", "COPY . ."), [4]],
    ["destination from ENV", run("ENV APP=/srv", "COPY . $APP"), []],
    ["Windows path", run("COPY app.exe C:\\\\app\\\\"), []],
  ]);
});

describe("PC138 useradd-no-log-init", () => {
  table(pc138, [
    ["high uid", run("useradd -u 123456 app"), [2]],
    ["with -l", run("useradd -l -u 123456 app"), []],
    ["long option", run("useradd --no-log-init --uid 123456 app"), []],
    ["low uid", run("useradd -u 10001 app"), []],
    ["uid from ARG", run("ARG UID=1000000", "useradd -u ${UID} app"), [3]],
    ["unknown uid", run("ARG UID", "useradd -u $UID app"), []],
  ]);
});

describe("PC139 wget-progress", () => {
  table(pc139, [
    ["plain", run("wget https://example.com/big.tar.gz"), [2]],
    ["progress", run("wget --progress=dot:giga https://example.com/big.tar.gz"), []],
    ["quiet cluster", run("wget -qO- https://example.com/x | tar -xz"), []],
    ["no-verbose", run("wget -nv https://example.com/x"), []],
    ["log file", run("wget -o /dev/null https://example.com/x"), []],
  ]);
});

describe("PC140 label-key-valid", () => {
  table(pc140, [
    ["upper case", run('LABEL Maintainer="a@example.com"'), [2]],
    ["reserved", run("LABEL com.docker.compose.project=x"), [2]],
    ["OCI", run("LABEL org.opencontainers.image.source=https://example.com/r version=1.0"), []],
    ["quoted key", run('LABEL "com.example.vendor"="ACME"'), []],
  ]);

  it.each([
    ["a..b", "has consecutive separators"],
    ["a_b", "has characters other than a-z, 0-9, '.' and '-'"],
    ["1abc", "does not start with a lower-case letter"],
    ["abc-", "does not end with a lower-case letter or digit"],
    ["com.example.v2", undefined],
  ])("%s", (key, problem) => {
    expect(labelKeyProblem(key)).toBe(problem);
  });
});

describe("PC141 consecutive-run", () => {
  table(pc141, [
    ["two short RUNs", run("apt-get update", "apt-get install -y curl"), [3]],
    ["a comment between", df("FROM a:1", "RUN echo a", "# why", "RUN echo b"), [4]],
    ["other instruction between", run("echo a", "ENV X=1", "echo b"), []],
    ["different mounts", run("echo a", "RUN --mount=type=cache,target=/root/.cache pip install x"), []],
    ["long RUN", run("a && b && c", "d"), []],
  ]);
});

describe("PC142 yarn-cache-clean", () => {
  table(pc142, [
    ["install only", run("yarn install --frozen-lockfile"), [2]],
    ["cleaned", run("yarn install --frozen-lockfile && yarn cache clean"), []],
    ["cache mount", run("RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install"), []],
    ["build only", run("yarn build"), []],
  ]);
});

describe("PC143 one-downloader", () => {
  table(pc143, [
    ["both in one RUN", run("curl -fsSLO https://a.example && wget https://b.example"), [2]],
    ["in two RUNs", run("curl -fsSLO https://a.example", "echo x", "wget -q https://b.example"), [4]],
    [
      "different stages",
      df("FROM a:1", "RUN curl -fsSLO https://a.example", "FROM b:1", "RUN wget -q x"),
      [],
    ],
    ["installing wget", run("apt-get install -y wget", "curl -fsSLO https://a.example"), []],
  ]);
});

describe("PC144 shell-instruction", () => {
  table(pc144, [
    ["ln bash to sh", run("ln -sf /bin/bash /bin/sh"), [2]],
    ["other link", run("ln -s /usr/bin/python3 /usr/bin/python"), []],
  ]);
});

describe("PC145 pipefail", () => {
  table(pc145, [
    ["pipe", run("curl -fsSL https://x.example/a.tgz | tar -xz"), [2]],
    ["SHELL with pipefail", run('SHELL ["/bin/bash", "-o", "pipefail", "-c"]', "curl -fsSL x | tar -xz"), []],
    ["SHELL -eo pipefail", run('SHELL ["/bin/ash", "-eo", "pipefail", "-c"]', "curl x | tar -xz"), []],
    ["SHELL without pipefail", run('SHELL ["/bin/bash", "-c"]', "curl x | tar -xz"), [3]],
    ["set -o pipefail", run("set -o pipefail && curl x | tar -xz"), []],
    ["no pipe", run("curl -fsSLO x && tar -xzf a.tgz"), []],
    ["pipe in quotes", run("echo 'a | b'"), []],
    ["powershell", run('SHELL ["pwsh", "-Command"]', "Get-Item x | Remove-Item"), []],
    [
      "SHELL inherited from the parent stage",
      df("FROM a:1 AS base", 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]', "FROM base", "RUN a | b"),
      [],
    ],
    [
      "SHELL of another stage",
      df("FROM a:1", 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]', "FROM b:1", "RUN a | b"),
      [4],
    ],
  ]);
});

describe("PC146 instruction-before-from", () => {
  table(pc146, [
    ["RUN first", df("RUN echo hi", "FROM a:1"), [1]],
    ["ARG first", df("ARG V=1", "FROM a:${V}"), []],
  ]);
});

describe("PC147 reserved-stage-name", () => {
  table(pc147, [
    ["scratch", df("FROM alpine:3.20 AS scratch"), [1]],
    ["context", df("FROM alpine:3.20 AS Context"), [1]],
    ["ordinary", df("FROM alpine:3.20 AS build"), []],
  ]);
});
