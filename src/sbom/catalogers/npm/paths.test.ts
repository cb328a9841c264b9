import { describe, expect, it } from "vitest";
import { fileInfoOf } from "../testing.js";
import { npmCataloger } from "./cataloger.js";

describe("npm file selection", () => {
  it.each([
    "/usr/lib/node_modules/npm/package.json",
    "/usr/local/lib/node_modules/corepack/package.json",
    "/app/node_modules/lodash/package.json",
    "/app/node_modules/@babel/core/package.json",
    "/app/node_modules/a/node_modules/b/package.json",
    "/app/node_modules/@s/a/node_modules/@t/b/node_modules/c/package.json",
    "/app/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/package.json",
    "/app/node_modules/.pnpm/@babel+core@7.0.0/node_modules/@babel/core/package.json",
    "/app/package.json",
    "/app/package-lock.json",
    "/srv/npm-shrinkwrap.json",
    "/app/yarn.lock",
    "/app/pnpm-lock.yaml",
  ])("wants %s", (path) => {
    expect(npmCataloger.wants(fileInfoOf(path))).toBe(true);
  });

  it.each([
    "/app/node_modules/x/lib/foo/package.json",
    "/app/node_modules/date-fns/esm/fp/isSaturday/package.json",
    "/app/node_modules/x/test/fixtures/node_modules/y/package.json",
    "/app/node_modules/@scope/package.json",
    "/app/node_modules/.bin/package.json",
    "/app/node_modules/.package-lock.json",
    "/app/node_modules/x/package-lock.json",
    "/app/node_modules/x/yarn.lock",
    "/app/node_modules/x/npm-shrinkwrap.json",
    "/app/node_modules/x/pnpm-lock.yaml",
    "/app/package.json.bak",
    "/app/index.js",
  ])("ignores %s", (path) => {
    expect(npmCataloger.wants(fileInfoOf(path))).toBe(false);
  });

  it("ignores directories and symlinks", () => {
    const info = { ...fileInfoOf("/app/node_modules/a/package.json"), kind: "symlink" as const };
    expect(npmCataloger.wants(info)).toBe(false);
  });
});
