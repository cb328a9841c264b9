import { describe, expect, it } from "vitest";
import { pc107 } from "./pc107-no-pipe-to-shell.js";
import { pc108 } from "./pc108-apt-update-with-install.js";
import { pc109 } from "./pc109-no-install-recommends.js";
import { pc110 } from "./pc110-apt-lists-removed.js";
import { pc111 } from "./pc111-apk-no-cache.js";
import { pc112 } from "./pc112-package-cache-cleaned.js";
import { pc113 } from "./pc113-pinned-package-versions.js";
import { pc114 } from "./pc114-non-interactive-install.js";
import { pc116 } from "./pc116-no-sudo.js";
import { isWorldWritableMode, pc117 } from "./pc117-no-world-writable.js";
import { pc125 } from "./pc125-cd-instead-of-workdir.js";
import { pc126 } from "./pc126-apt-get-not-apt.js";
import { pc127 } from "./pc127-pip-no-cache-dir.js";
import { df, linesOf, lintWith } from "./testing.js";
import type { Rule } from "./types.js";

/** A one-stage Dockerfile whose second line is `RUN <script>` (and further lines as given). */
function run(...lines: string[]): string {
  return df("FROM debian:12", ...lines.map((l) => (/^[A-Z]+ /.test(l) ? l : `RUN ${l}`)));
}

type Case = readonly [string, string, readonly number[]];

function table(rule: Rule, cases: readonly Case[]): void {
  it.each(cases)("%s", (_name, text, lines) => {
    expect(linesOf(rule, text)).toEqual(lines);
  });
}

describe("PC107 no-pipe-to-shell", () => {
  table(pc107, [
    ["curl | sh", run("curl -fsSL https://get.example.com | sh"), [2]],
    ["wget -O- | bash", run("wget -qO- https://x.example.com/install.sh | bash -s -- --yes"), [2]],
    ["through sudo", run("curl -sL https://deb.nodesource.com/setup_20.x | sudo -E bash -"), [2]],
    ["bash -c $(curl)", run('bash -c "$(curl -fsSL https://x.example.com/i.sh)"'), [2]],
    [
      "in a heredoc",
      df("FROM a:1", "RUN <<EOF", "set -e", "curl -fsSL https://x.example.com | sh", "EOF"),
      [2],
    ],
    ["ONBUILD", df("FROM a:1", "ONBUILD RUN curl https://x.example.com | sh"), [2]],
    [
      "download then verify",
      run("curl -fsSLo i.sh https://x.example.com && sha256sum -c i.sum && sh i.sh"),
      [],
    ],
    ["pipe into tar", run("curl -fsSL https://x.example.com/a.tgz | tar -xz"), []],
    ["sh -c with data on stdin", run("curl -fsSL https://x.example.com/a.tgz | sh -c 'tar -xz'"), []],
    ["shell words in quotes", run("echo 'curl x | sh'"), []],
  ]);
});

describe("PC108 apt-update-with-install", () => {
  table(pc108, [
    ["update alone", run("apt-get update", "apt-get install -y curl"), [2]],
    ["update and upgrade", run("apt-get update && apt-get upgrade -y"), []],
    ["combined", run("apt-get update && apt-get install -y curl"), []],
    ["apt", run("apt update"), [2]],
    ["exec form", run('["apt-get", "update"]'), [2]],
    ["exec form sh -c", run('["sh", "-c", "apt-get update && apt-get install -y x"]'), []],
    ["no apt", run("echo update"), []],
  ]);
});

describe("PC109 no-install-recommends", () => {
  table(pc109, [
    ["missing", run("apt-get update && apt-get install -y curl"), [2]],
    ["present", run("apt-get update && apt-get install -y --no-install-recommends curl"), []],
    ["apt config option", run("apt-get install -y -o APT::Install-Recommends=false curl"), []],
    ["apt", run("apt install -y curl"), [2]],
    ["two installs", run("apt-get install -y a && apt-get install -y b"), [2, 2]],
    ["through sudo", run("sudo apt-get install -y curl"), [2]],
    ["not install", run("apt-get remove -y curl"), []],
  ]);
});

describe("PC110 apt-lists-removed", () => {
  table(pc110, [
    ["not removed", run("apt-get update && apt-get install -y x"), [2]],
    ["removed", run("apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*"), []],
    [
      "cache mount",
      df(
        "FROM a:1",
        "RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y x",
      ),
      [],
    ],
    ["builder stage is discarded", df("FROM a:1 AS build", "RUN apt-get install -y x", "FROM b:1"), []],
    ["parent of the final stage", df("FROM a:1 AS base", "RUN apt-get install -y x", "FROM base"), [2]],
    ["removed in a later RUN does not help", run("apt-get install -y x", "rm -rf /var/lib/apt/lists/*"), [2]],
    [
      "update alone leaves lists",
      run("apt-get update", "apt-get install -y x && rm -rf /var/lib/apt/lists/*"),
      [2],
    ],
    [
      "only .gz files removed",
      run("apt-get update && apt-get install -y x && rm -Rf /var/lib/apt/lists/*.gz"),
      [2],
    ],
    ["directory removed", run("apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/"), []],
  ]);
});

describe("PC111 apk-no-cache", () => {
  table(pc111, [
    ["missing", run("apk add curl"), [2]],
    ["present", run("apk add --no-cache curl"), []],
    ["update then add", run("apk update && apk add curl"), [2]],
    ["cache removed", run("apk add curl && rm -rf /var/cache/apk/*"), []],
    ["cache mount", df("FROM a:1", "RUN --mount=type=cache,target=/var/cache/apk apk add curl"), []],
    ["other subcommand", run("apk del curl"), []],
  ]);
});

describe("PC112 package-cache-cleaned", () => {
  table(pc112, [
    ["yum without clean", run("yum install -y httpd"), [2]],
    ["yum clean all", run("yum install -y httpd && yum clean all"), []],
    ["dnf without clean", run("dnf -y install httpd"), [2]],
    ["dnf clean all", run("dnf -y install httpd && dnf clean all"), []],
    ["rm of the cache", run("dnf -y install httpd && rm -rf /var/cache/dnf"), []],
    ["microdnf", run("microdnf install -y x"), [2]],
    ["zypper without clean", run("zypper -n install x"), [2]],
    ["zypper clean", run("zypper -n in x && zypper clean --all"), []],
    ["clean of another manager", run("yum install -y x && dnf clean all"), [2]],
    ["no install", run("yum makecache"), []],
  ]);
});

describe("PC113 pinned-package-versions", () => {
  table(pc113, [
    ["apt unpinned", run("apt-get install -y curl"), [2]],
    ["apt pinned", run("apt-get install -y curl=7.88.1-10 ca-certificates=20230311"), []],
    ["apt local deb", run("apt-get install -y ./pkg.deb"), []],
    ["apk unpinned", run("apk add --no-cache curl"), [2]],
    ["apk pinned", run("apk add --no-cache curl=8.5.0-r0 'git~2.43'"), []],
    ["apk virtual name is not a package", run("apk add --virtual .build-deps gcc=13.2.1-r0"), []],
    ["pip unpinned", run("pip install flask"), [2]],
    ["pip pinned", run("pip install --no-cache-dir flask==3.0.0 'requests>=2.31'"), []],
    ["pip requirements", run("pip install -r requirements.txt"), []],
    ["python -m pip", run("python3 -m pip install flask"), [2]],
    ["pip local", run("pip install ."), []],
    ["npm unpinned", run("npm install -g typescript"), [2]],
    ["npm pinned", run("npm install -g typescript@5.4.5 @scope/pkg@1.0.0"), []],
    ["npm scoped unpinned", run("npm install @scope/pkg"), [2]],
    ["npm latest", run("npm i -g pnpm@latest"), [2]],
    ["npm install from lockfile", run("npm install && npm ci"), []],
    ["gem unpinned", run("gem install bundler"), [2]],
    ["gem -v", run("gem install bundler -v 2.5.6"), []],
    ["gem colon", run("gem install bundler:2.5.6"), []],
    ["variables", run("apt-get install -y $PACKAGES"), []],
  ]);

  it("lists the unpinned packages", () => {
    expect(lintWith(pc113, run("apt-get install -y curl git=1:2.39 vim"))[0]?.message).toBe(
      "apt-get: unpinned package version(s): curl, vim",
    );
  });
});

describe("PC114 non-interactive-install", () => {
  table(pc114, [
    ["apt-get without -y", run("apt-get install curl"), [2]],
    ["apt-get -y", run("apt-get install -y curl"), []],
    ["combined flags", run("apt-get install -qy curl"), []],
    ["--yes", run("apt-get --yes install curl"), []],
    ["--assume-yes", run("apt-get install --assume-yes curl"), []],
    ["-qq implies -y", run("apt-get -qq install curl"), []],
    ["apt-get upgrade", run("apt-get upgrade"), [2]],
    ["apt-get update needs no -y", run("apt-get update"), []],
    ["yum", run("yum install httpd"), [2]],
    ["yum -y", run("yum install -y httpd"), []],
    ["dnf --assumeyes", run("dnf --assumeyes install httpd"), []],
    ["zypper", run("zypper install x"), [2]],
    ["zypper -n", run("zypper -n install x"), []],
    ["exec form", run('["apt-get", "install", "curl"]'), [2]],
  ]);
});

describe("PC116 no-sudo", () => {
  table(pc116, [
    ["sudo", run("sudo apt-get install -y x"), [2]],
    ["sudo by path", run("/usr/bin/sudo make install"), [2]],
    ["sudo later in a chain", run("make && sudo make install"), [2]],
    ["no sudo", run("make install"), []],
    ["the word in an argument", run("echo sudo"), []],
    ["installing sudo", run("apt-get install -y sudo"), []],
  ]);
});

describe("PC117 no-world-writable", () => {
  table(pc117, [
    ["777", run("chmod 777 /app"), [2]],
    ["-R 777", run("chmod -R 777 /app"), [2]],
    ["0777", run("chmod 0777 /data"), [2]],
    ["666", run("chmod 666 /app/config"), [2]],
    ["a+rwx", run("chmod a+rwx /app"), [2]],
    ["o+w", run("chmod -R u+rw,o+w /app"), [2]],
    ["755", run("chmod 755 /app/bin/run"), []],
    ["+x", run("chmod +x /entrypoint.sh"), []],
    ["sticky /tmp", run("chmod 1777 /tmp"), []],
    ["o-w", run("chmod o-w /app"), []],
  ]);

  it("reads octal and symbolic modes", () => {
    expect(isWorldWritableMode("777")).toBe(true);
    expect(isWorldWritableMode("2777")).toBe(true);
    expect(isWorldWritableMode("775")).toBe(false);
    expect(isWorldWritableMode("ugo=rwx")).toBe(true);
    expect(isWorldWritableMode("a+rwt")).toBe(false);
  });
});

describe("PC125 cd-instead-of-workdir", () => {
  table(pc125, [
    ["cd &&", run("cd /app && make"), [2]],
    ["cd in a subshell", run("(cd /src && make)"), [2]],
    ["WORKDIR", df("FROM a:1", "WORKDIR /app", "RUN make"), []],
    ["make -C", run("make -C /src"), []],
  ]);
});

describe("PC126 apt-get-not-apt", () => {
  table(pc126, [
    ["apt install", run("apt install -y curl"), [2]],
    ["apt update", run("apt update && apt-get install -y x"), [2]],
    ["apt-get", run("apt-get install -y curl"), []],
    ["apt-cache", run("apt-cache policy curl"), []],
  ]);
});

describe("PC127 pip-no-cache-dir", () => {
  table(pc127, [
    ["missing", run("pip install flask==3.0.0"), [2]],
    ["present", run("pip install --no-cache-dir flask==3.0.0"), []],
    ["pip3 and python -m pip", run("pip3 install a==1 && python -m pip install b==1"), [2, 2]],
    ["ENV PIP_NO_CACHE_DIR", run("ENV PIP_NO_CACHE_DIR=1", "pip install flask==3.0.0"), []],
    ["assignment", run("PIP_NO_CACHE_DIR=1 pip install flask==3.0.0"), []],
    ["cache mount", df("FROM a:1", "RUN --mount=type=cache,target=/root/.cache/pip pip install x==1"), []],
    ["not install", run("pip freeze"), []],
  ]);
});
