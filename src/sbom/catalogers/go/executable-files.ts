import type { FileInfo } from "../../../oci/index.js";

/** Smaller than any ELF, PE or Mach-O header with a section table. */
const MIN_EXECUTABLE_SIZE = 64;

/**
 * A regular file that may be a program: any execute bit (owner, group or other), or a Windows
 * ".exe" (Windows images and cross-built tools rarely carry the bit). The magic is checked in reduce.
 */
export function isExecutableCandidate(file: FileInfo): boolean {
  // No upper bound here: the walker's `maxFileBytes` is the one limit, and a program over it is a
  // FILE_TOO_LARGE warning (an incomplete scan), never a silent omission.
  if (file.kind !== "file" || file.size < MIN_EXECUTABLE_SIZE) return false;
  return (file.mode & 0o111) !== 0 || file.path.toLowerCase().endsWith(".exe");
}
