import { checkPath } from "../../driver.js";

/** Maps driver paths to object keys under the configured prefix, and back. */
export class Keys {
  private readonly base: string;

  constructor(prefix: string) {
    const trimmed = prefix.replace(/^\/+|\/+$/g, "");
    if (trimmed !== "") checkPath(trimmed);
    this.base = trimmed === "" ? "" : `${trimmed}/`;
  }

  /** The object key of a driver path. */
  key(path: string): string {
    return this.base + path;
  }

  /** The listing prefix of a directory's contents. */
  dir(path: string): string {
    return `${this.base}${path}/`;
  }

  /** The driver path of a listed key, or undefined for a key this driver could not have written. */
  path(key: string): string | undefined {
    if (!key.startsWith(this.base)) return undefined;
    const path = key.slice(this.base.length);
    try {
      return checkPath(path);
    } catch {
      return undefined;
    }
  }

  /** The prefix of every key (for listing uploads in flight). */
  get root(): string {
    return this.base;
  }
}

/** `x-amz-copy-source` for a key: the bucket and the key, each path segment percent-encoded. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}
