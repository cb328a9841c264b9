import { describe, expect, it } from "vitest";
import { matchGlob } from "../../core/index.js";
import { pc101 } from "./pc101-base-image-pinned-by-digest.js";
import { pc102 } from "./pc102-no-latest-tag.js";
import { pc103 } from "./pc103-approved-base-image.js";
import { isRootUser, pc104 } from "./pc104-non-root-user.js";
import { pc128 } from "./pc128-copy-from-valid.js";
import { pc129 } from "./pc129-unique-stage-names.js";
import { df, linesOf, lintWith } from "./testing.js";
import type { ApprovedBase } from "./types.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const OTHER_DIGEST = `sha256:${"b".repeat(64)}`;

describe("PC101 base-image-pinned-by-digest", () => {
  it.each([
    ["tag only", df("FROM node:20"), [1]],
    ["no tag", df("FROM alpine"), [1]],
    ["registry and tag", df("FROM ghcr.io/acme/base:1.2"), [1]],
    ["digest", df(`FROM node:20@${DIGEST}`), []],
    ["digest without tag", df(`FROM node@${DIGEST}`), []],
    ["scratch", df("FROM scratch"), []],
    ["earlier stage", df(`FROM golang:1.22@${DIGEST} AS build`, "FROM build"), []],
    ["each external stage", df("FROM golang:1.22 AS build", `FROM alpine@${DIGEST}`, "FROM node:20"), [1, 3]],
    ["ARG default expanded", df(`ARG BASE=node@${DIGEST}`, "FROM $BASE"), []],
    ["ARG default without digest", df("ARG BASE=node:20", "FROM $BASE"), [2]],
    ["ARG without default", df("ARG BASE", "FROM $BASE"), [2]],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc101, text)).toEqual(lines);
  });

  it("names the image and fills in the finding", () => {
    expect(lintWith(pc101, df("FROM node:20"))).toEqual([
      {
        rule: "PC101",
        severity: "warning",
        line: 1,
        endLine: 1,
        message: 'base image "node:20" is not pinned by digest (@sha256:...)',
      },
    ]);
  });
});

describe("PC102 no-latest-tag", () => {
  it.each([
    ["latest", df("FROM node:latest"), [1]],
    ["no tag", df("FROM ubuntu"), [1]],
    ["registry with port, no tag", df("FROM localhost:5000/app"), [1]],
    ["version tag", df("FROM node:20.11-bookworm"), []],
    ["registry port and tag", df("FROM localhost:5000/app:1.0"), []],
    ["digest without tag", df(`FROM ubuntu@${DIGEST}`), []],
    ["latest pinned by digest", df(`FROM ubuntu:latest@${DIGEST}`), []],
    ["scratch", df("FROM scratch"), []],
    ["stage", df("FROM node:20 AS a", "FROM a"), []],
    ["ARG default", df("ARG V=latest", "FROM node:$V"), [2]],
    ["build arg", df("ARG V", "FROM node:$V"), []],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc102, text)).toEqual(lines);
  });
});

describe("PC103 approved-base-image", () => {
  const approved: ApprovedBase[] = [
    { name: "node", tags: ["20.*", "22-*"] },
    { name: "ghcr.io/acme/base" },
    { name: "docker.io/library/python", digests: [DIGEST] },
  ];

  it.each([
    ["approved name and tag glob", df("FROM node:20.11"), []],
    ["approved tag with suffix", df("FROM node:22-alpine"), []],
    ["tag not matching", df("FROM node:18"), [1]],
    ["no tag means latest", df("FROM node"), [1]],
    ["any tag of a name-only entry", df("FROM ghcr.io/acme/base:7"), []],
    ["normalised names match", df(`FROM python@${DIGEST}`), []],
    ["digest not listed", df(`FROM python@${OTHER_DIGEST}`), [1]],
    ["tag of a digest-only entry", df("FROM python:3.12"), [1]],
    ["unknown image", df("FROM evil.example.com/miner:1"), [1]],
    ["stages and scratch are skipped", df("FROM node:20.1 AS b", "FROM b", "FROM scratch"), []],
    ["build arg without default", df("ARG BASE", "FROM $BASE"), [2]],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc103, text, { approvedBases: approved })).toEqual(lines);
  });

  it("is off when no approved list is configured", () => {
    expect(linesOf(pc103, df("FROM evil.example.com/miner:1"))).toEqual([]);
  });

  it("says why an approved image is rejected", () => {
    const [finding] = lintWith(pc103, df("FROM node:18"), { approvedBases: approved });
    expect(finding?.message).toBe('base image "node:18" is approved, but not at "18" (allowed: 20.*, 22-*)');
  });

  it("matches tag globs", () => {
    expect(matchGlob("1.2.*", "1.2.3")).toBe(true);
    expect(matchGlob("1.2.*", "1.20")).toBe(false);
    expect(matchGlob("v?", "v1")).toBe(true);
    expect(matchGlob("v?", "v10")).toBe(false);
  });
});

describe("PC104 non-root-user", () => {
  it.each([
    ["no USER", df("FROM node:20", 'CMD ["node"]'), [1]],
    ["USER root", df("FROM node:20", "USER root"), [2]],
    ["USER 0", df("FROM node:20", "USER 0"), [2]],
    ["USER 0:0", df("FROM node:20", "USER 0:0"), [2]],
    ["USER root:root", df("FROM node:20", "USER root:root"), [2]],
    ["last USER wins", df("FROM node:20", "USER app", "RUN x", "USER root"), [4]],
    ["non-root last", df("FROM node:20", "USER root", "RUN x", "USER 10001:10001"), []],
    ["named user", df("FROM node:20", "USER node"), []],
    ["only the final stage counts", df("FROM node:20 AS build", "USER root", "FROM node:20", "USER app"), []],
    ["builder USER does not carry over", df("FROM node:20 AS build", "USER app", "FROM node:20"), [3]],
    ["inherited from parent stage", df("FROM node:20 AS base", "USER app", "FROM base"), []],
    ["inherited root from parent stage", df("FROM node:20 AS base", "USER root", "FROM base"), [2]],
    ["ONBUILD USER is not the image's user", df("FROM node:20", "ONBUILD USER app"), [1]],
    ["variable user", df("FROM node:20", "ARG U", "USER $U"), []],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc104, text)).toEqual(lines);
  });

  it("recognises root", () => {
    for (const spec of ["root", "0", "0:0", "root:root", "root:app", "00"])
      expect(isRootUser(spec)).toBe(true);
    for (const spec of ["app", "1000", "1000:0", "rootless", "10"]) expect(isRootUser(spec)).toBe(false);
  });
});

describe("PC128 copy-from-valid", () => {
  it.each([
    ["earlier stage name", df("FROM golang:1.22 AS build", "FROM alpine:3", "COPY --from=build /a /a"), []],
    [
      "stage names are case-insensitive",
      df("FROM golang:1.22 AS Build", "FROM alpine:3", "COPY --from=BUILD /a /a"),
      [],
    ],
    ["earlier stage index", df("FROM golang:1.22", "FROM alpine:3", "COPY --from=0 /a /a"), []],
    ["own index", df("FROM golang:1.22", "FROM alpine:3", "COPY --from=1 /a /a"), [3]],
    ["itself", df("FROM golang:1.22 AS build", "COPY --from=build /a /b"), [2]],
    ["later stage", df("FROM alpine:3 AS a", "COPY --from=b /x /x", "FROM alpine:3 AS b"), [2]],
    ["image with tag", df("FROM alpine:3", "COPY --from=nginx:1.25 /etc/nginx /etc/nginx"), []],
    ["image with registry", df("FROM alpine:3", "COPY --from=ghcr.io/acme/tools /bin/x /bin/x"), []],
    [
      "typo or untagged image",
      df("FROM golang:1.22 AS build", "FROM alpine:3", "COPY --from=biuld /a /a"),
      [3],
    ],
    ["ADD --from", df("FROM alpine:3 AS a", "ADD --from=a /x /x"), [2]],
    ["variable", df("FROM alpine:3", "ARG S", "COPY --from=$S /x /x"), []],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc128, text)).toEqual(lines);
  });
});

describe("PC129 unique-stage-names", () => {
  it.each([
    ["duplicate", df("FROM alpine:3 AS build", "FROM alpine:3 AS build"), [2]],
    ["case-insensitive duplicate", df("FROM alpine:3 AS Build", "FROM alpine:3 AS build"), [2]],
    ["three times", df("FROM a:1 AS x", "FROM b:1 AS x", "FROM c:1 AS x"), [2, 3]],
    ["unique", df("FROM alpine:3 AS build", "FROM alpine:3 AS test", "FROM alpine:3"), []],
  ])("%s", (_name, text, lines) => {
    expect(linesOf(pc129, text)).toEqual(lines);
  });

  it("points at the first use", () => {
    expect(lintWith(pc129, df("FROM a:1 AS x", "FROM b:1 AS x"))[0]?.message).toBe(
      'stage name "x" is already used on line 1',
    );
  });
});
