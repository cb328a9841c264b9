import type { FileInfo } from "../../../oci/index.js";

/** Executables larger than this are not read: no real Go or Rust program is, and memory is bounded. */
export const MAX_EXECUTABLE_SIZE = 512 * 1024 * 1024;
/** Smaller than any ELF, PE or Mach-O header with a section table. */
const MIN_EXECUTABLE_SIZE = 64;

/**
 * A regular file that may be a program: any execute bit (owner, group or other), or a Windows
 * ".exe" (Windows images and cross-built tools rarely carry the bit). The magic is checked in reduce.
 */
export function isExecutableCandidate(file: FileInfo): boolean {
  if (file.kind !== "file" || file.size < MIN_EXECUTABLE_SIZE || file.size > MAX_EXECUTABLE_SIZE)
    return false;
  return (file.mode & 0o111) !== 0 || file.path.toLowerCase().endsWith(".exe");
}
