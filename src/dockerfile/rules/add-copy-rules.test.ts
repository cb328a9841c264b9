import { describe, expect, it } from "vitest";
import { pc105 } from "./pc105-add-remote-checksum.js";
import { pc106 } from "./pc106-copy-not-add.js";
import { pc124 } from "./pc124-copy-whole-context.js";
import { isGitSource, isLocalArchive } from "./sources.js";
import { df, linesOf } from "./testing.js";

describe("PC105 add-remote-checksum", () => {
  it.each([
    ["https without checksum", df("FROM a:1", "ADD https://example.com/tool.tar.gz /opt/"), [2]],
    ["http without checksum", df("FROM a:1", "ADD http://example.com/x /x"), [2]],
    ["one finding per URL", df("FROM a:1", "ADD https://e.com/a https://e.com/b /d/"), [2, 2]],
    ["with checksum", df("FROM a:1", `ADD --checksum=sha256:${"0".repeat(64)} https://example.com/x /x`), []],
    ["local file", df("FROM a:1", "ADD app.tar.gz /opt/"), []],
    ["git repository", df("FROM a:1", "ADD https://github.com/acme/repo.git#v1.0 /src"), []],
    ["ONBUILD", df("FROM a:1", "ONBUILD ADD https://example.com/x /x"), [2]],
    ["exec form", df("FROM a:1", 'ADD ["https://example.com/x", "/x"]'), [2]],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc105, text)).toEqual(lines);
  });
});

describe("PC106 copy-not-add", () => {
  it.each([
    ["local file", df("FROM a:1", "ADD app.py /app/"), [2]],
    ["local directory", df("FROM a:1", "ADD --chown=app src/ /app/src/"), [2]],
    ["local tar archive", df("FROM a:1", "ADD rootfs.tar.xz /"), []],
    ["tgz archive", df("FROM a:1", "ADD vendor.tgz /opt/"), []],
    ["URL", df("FROM a:1", "ADD https://example.com/x /x"), []],
    ["git", df("FROM a:1", "ADD git@github.com:acme/repo.git /src"), []],
    ["COPY", df("FROM a:1", "COPY app.py /app/"), []],
    ["ONBUILD", df("FROM a:1", "ONBUILD ADD . /src"), [2]],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc106, text)).toEqual(lines);
  });

  it("classifies sources", () => {
    expect(isLocalArchive("x.tar.gz")).toBe(true);
    expect(isLocalArchive("x.zip")).toBe(false);
    expect(isLocalArchive("https://e.com/x.tar.gz")).toBe(false);
    expect(isGitSource("https://github.com/a/b.git")).toBe(true);
    expect(isGitSource("git@github.com:a/b.git")).toBe(true);
    expect(isGitSource("https://e.com/a.tgz")).toBe(false);
  });
});

describe("PC124 copy-whole-context", () => {
  it.each([
    ["COPY . .", df("FROM a:1", "COPY . ."), [2]],
    ["COPY ./ /app", df("FROM a:1", "COPY ./ /app"), [2]],
    ["ADD . /x", df("FROM a:1", "ADD . /x"), [2]],
    ["with flags", df("FROM a:1", "COPY --chown=app:app . /app/"), [2]],
    ["specific paths", df("FROM a:1", "COPY package.json package-lock.json ./", "COPY src/ ./src/"), []],
    ["from another stage", df("FROM a:1 AS b", "FROM a:1", "COPY --from=b . ."), []],
    ["ONBUILD", df("FROM a:1", "ONBUILD COPY . /app"), [2]],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc124, text)).toEqual(lines);
  });
});
