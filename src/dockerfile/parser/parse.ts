/**
 * The Dockerfile parser: BuildKit's frontend/dockerfile/parser `Parse` loop ported line for line
 * (directives, continuations, comments, heredocs), producing the `Dockerfile` tree of `ast.ts`.
 */
import type { Comment, Dockerfile, Heredoc, Instruction, ParseWarning } from "../ast.js";
import { DirectiveState } from "./directives.js";
import { DockerfileError } from "./errors.js";
import { heredocsFromLine } from "./heredoc.js";
import { buildInstruction, canContainHeredoc, type MutableInstruction } from "./instruction.js";
import { ArgsError } from "./line-parsers.js";
import { trimLeftSpace, trimSpace } from "./text.js";

/** Inputs above this size are refused. */
export const MAX_DOCKERFILE_BYTES = 10 * 1024 * 1024;

function trimNewline(s: string): string {
  let j = s.length;
  while (j > 0 && (s[j - 1] === "\r" || s[j - 1] === "\n")) j--;
  return j === s.length ? s : s.slice(0, j);
}

function isComment(raw: string): boolean {
  return trimLeftSpace(trimNewline(raw)).startsWith("#");
}

/** The continuation rule: an unescaped escape token, then only spaces/tabs, ends the line. */
function trimContinuation(line: string, escapeToken: string): [string, boolean] {
  let j = line.length;
  while (j > 0 && (line[j - 1] === " " || line[j - 1] === "\t")) j--;
  if (j === 0 || line[j - 1] !== escapeToken) return [line, true];
  if (j === 1) return ["", false];
  if (line[j - 2] === escapeToken) return [line, true];
  return [line.slice(0, j - 1), false];
}

function checkInput(text: string): void {
  if (text.length > MAX_DOCKERFILE_BYTES || Buffer.byteLength(text, "utf8") > MAX_DOCKERFILE_BYTES) {
    throw new DockerfileError(
      1,
      `input too large: a Dockerfile may not exceed ${MAX_DOCKERFILE_BYTES} bytes`,
    );
  }
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    let line = 1;
    for (let k = text.indexOf("\n"); k >= 0 && k < nul; k = text.indexOf("\n", k + 1)) line++;
    throw new DockerfileError(line, "binary file: NUL byte in a Dockerfile");
  }
}

function splitLines(text: string): string[] {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (body === "") return [];
  const lines = body.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function freeze(ins: MutableInstruction): Instruction {
  const { onbuild, ...rest } = ins;
  return onbuild === undefined ? rest : { ...rest, onbuild: freeze(onbuild) };
}

/** Parses a Dockerfile as BuildKit does; throws DockerfileError (with the line) on what BuildKit refuses. */
export function parseDockerfile(text: string): Dockerfile {
  checkInput(text);
  const lines = splitLines(text);
  const d = new DirectiveState();
  const comments: Comment[] = [];
  const warnings: ParseWarning[] = [];
  const instructions: Instruction[] = [];

  const fail = (line: number, err: unknown): never => {
    if (err instanceof ArgsError) throw new DockerfileError(line, err.message, { cause: err });
    throw err;
  };
  const noteComment = (raw: string, lineNo: number) => {
    const t = trimLeftSpace(trimNewline(raw));
    comments.push({ line: lineNo, text: trimSpace(t.slice(1)) });
  };
  const processLine = (raw: string, lineNo: number, stripLeft: boolean): string => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    try {
      d.consider(token, lineNo);
    } catch (err) {
      fail(lineNo, err);
    }
    return token.startsWith("#") ? "" : token;
  };

  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    const first = lines[i] as string;
    i++;
    if (isComment(first)) noteComment(first, startLine);
    let [line, isEnd] = trimContinuation(processLine(first, startLine, true), d.escape);
    if (isEnd && line === "") continue;

    while (!isEnd && i < lines.length) {
      const raw = lines[i] as string;
      const lineNo = i + 1;
      i++;
      const processed = processLine(raw, lineNo, false);
      if (isComment(raw)) {
        noteComment(raw, lineNo);
        continue;
      }
      if (trimLeftSpace(processed) === "") {
        warnings.push({ line: lineNo, message: "empty continuation line" });
        continue;
      }
      const [cont, end] = trimContinuation(processed, d.escape);
      line += cont;
      isEnd = end;
    }
    if (trimSpace(line) === "") continue;

    let ins: MutableInstruction;
    try {
      ins = buildInstruction(line, d.escape, { startLine, endLine: i });
    } catch (err) {
      return fail(startLine, err);
    }

    if (line.includes("<<") && canContainHeredoc(ins)) {
      const heredocs: Heredoc[] = [];
      for (const marker of heredocsFromLine(line)) {
        const bodyStart = i + 1;
        const body: string[] = [];
        let terminated = false;
        while (i < lines.length) {
          const raw = lines[i] as string;
          i++;
          let candidate = trimNewline(raw);
          if (marker.chomp) candidate = candidate.replace(/^\t+/, "");
          if (candidate === marker.name) {
            terminated = true;
            break;
          }
          const content = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
          body.push(marker.chomp ? content.replace(/^\t+/, "") : content);
        }
        if (!terminated) {
          throw new DockerfileError(
            startLine,
            `unterminated heredoc <<${marker.chomp ? "-" : ""}${marker.name}`,
          );
        }
        heredocs.push({
          name: marker.name,
          content: body.map((l) => `${l}\n`).join(""),
          expand: marker.expand,
          chomp: marker.chomp,
          range: { startLine: bodyStart, endLine: i },
        });
      }
      ins.heredocs = heredocs;
      ins.range = { startLine, endLine: i };
      if (ins.onbuild !== undefined) {
        ins.onbuild.heredocs = heredocs;
        ins.onbuild.range = ins.range;
      }
    }
    instructions.push(freeze(ins));
  }

  return { directives: d.directives, escape: d.escape, instructions, comments, warnings };
}
