/** Helpers for the source arguments of ADD and COPY. */
import type { Instruction } from "../ast.js";
import { unquote } from "./util.js";

/** The source arguments of an ADD/COPY (every argument but the destination), quotes removed. */
export function sourcesOf(instruction: Instruction): string[] {
  return instruction.args.slice(0, -1).map(unquote);
}

export function isRemoteUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Git sources ADD can clone: `git@host:repo.git`, `https://host/repo.git#ref`, `git://...`. */
export function isGitSource(source: string): boolean {
  return /^git@/.test(source) || /^git:\/\//i.test(source) || /\.git(#.*)?$/.test(source);
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|tar\.lz|tar\.lzma|tlz)$/i;

/** Local archives ADD extracts (the one thing ADD does for local files that COPY cannot). */
export function isLocalArchive(source: string): boolean {
  return !isRemoteUrl(source) && ARCHIVE.test(source);
}
