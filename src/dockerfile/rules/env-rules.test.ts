// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile `${...}` syntax under test
/** Rules that judge values after ARG/ENV expansion (see ../env.ts). */
import { describe, expect, it } from "vitest";
import { pc104 } from "./pc104-non-root-user.js";
import { pc115 } from "./pc115-no-secrets-in-env-arg.js";
import { pc118 } from "./pc118-no-ssh-port.js";
import { pc120 } from "./pc120-workdir-absolute.js";
import { pc128 } from "./pc128-copy-from-valid.js";
import { pc130 } from "./pc130-expose-valid-ports.js";
import { df, linesOf, lintWith } from "./testing.js";
import type { Rule } from "./types.js";

type Case = readonly [string, Rule, string, readonly number[]];

const cases: readonly Case[] = [
  ["USER from a stage ARG", pc104, df("FROM a:1", "ARG RUN_AS=0", "USER ${RUN_AS}"), [3]],
  ["USER from ENV", pc104, df("FROM a:1", "ENV APP_USER=root", "USER $APP_USER:$APP_USER"), [3]],
  ["USER from a non-root ARG", pc104, df("FROM a:1", "ARG UID=10001", "USER $UID"), []],
  ["USER from an unknown ARG", pc104, df("FROM a:1", "ARG UID", "USER $UID"), []],
  ["USER from a global ARG not re-declared", pc104, df("ARG U=0", "FROM a:1", "USER $U"), []],
  ["USER from a re-declared global ARG", pc104, df("ARG U=0", "FROM a:1", "ARG U", "USER $U"), [4]],
  [
    "USER from ENV inherited through stages",
    pc104,
    df("FROM a:1 AS base", "ENV U=root", "FROM base", "USER $U"),
    [4],
  ],
  ["WORKDIR relative through ENV", pc120, df("FROM a:1", "ENV APP=app", "WORKDIR $APP"), [3]],
  ["WORKDIR absolute through ENV", pc120, df("FROM a:1", "ENV APP=/app", "WORKDIR ${APP}/src"), []],
  ["WORKDIR unknown", pc120, df("FROM a:1", "WORKDIR $HOME/app"), []],
  ["EXPOSE SSH through ARG", pc118, df("FROM a:1", "ARG SSH_PORT=22", "EXPOSE $SSH_PORT"), [3]],
  ["EXPOSE several through ENV", pc118, df("FROM a:1", 'ENV PORTS="80 22"', "EXPOSE $PORTS"), [3]],
  ["EXPOSE invalid through ARG", pc130, df("FROM a:1", "ARG P=70000", "EXPOSE ${P}/tcp"), [3]],
  ["EXPOSE valid through ARG", pc130, df("FROM a:1", "ARG P=8080", "EXPOSE ${P}/tcp"), []],
  ["EXPOSE unknown", pc130, df("FROM a:1", "ARG P", "EXPOSE $P"), []],
  [
    "COPY --from a stage through ARG",
    pc128,
    df("FROM a:1 AS build", "FROM b:1", "ARG SRC=build", "COPY --from=$SRC /out /out"),
    [],
  ],
  [
    "COPY --from a later stage through ARG",
    pc128,
    df("FROM a:1", "ARG SRC=late", "COPY --from=${SRC} /out /out", "FROM b:1 AS late"),
    [3],
  ],
  [
    "secret copied from an ARG default into ENV",
    pc115,
    df("FROM a:1", "ARG T=ghp_0123456789abcdefghijABCDEFGHIJ", "ENV CONFIG=$T"),
    [2, 3],
  ],
];

describe("rules read ARG/ENV values", () => {
  it.each(cases)("%s", (_name, rule, text, lines) => {
    expect(linesOf(rule, text)).toEqual(lines);
  });

  it("shows the expanded value in the message", () => {
    const [finding] = lintWith(pc104, df("FROM a:1", "ARG RUN_AS=0", "USER ${RUN_AS}"));
    expect(finding?.message).toBe("the final stage runs as root (USER ${RUN_AS} = 0)");
  });

  it("uses build args over defaults", () => {
    const text = df("FROM a:1", "ARG UID=1000", "USER $UID");
    expect(linesOf(pc104, text, { buildArgs: { UID: "0" } })).toEqual([3]);
  });
});
