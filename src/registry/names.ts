import { checkRepositoryName, checkTag } from "../oci/index.js";
import { RegistryError } from "./errors.js";

/** Validates a repository name from a request (distribution spec grammar), as NAME_INVALID. */
export function requireRepositoryName(name: string): string {
  try {
    checkRepositoryName(name);
    return name;
  } catch (err) {
    throw new RegistryError("NAME_INVALID", (err as Error).message, {
      cause: err,
      detail: { name: name.slice(0, 300) },
    });
  }
}

export function checkTags(tags: readonly string[]): string[] {
  for (const tag of tags) {
    try {
      checkTag(tag);
    } catch (err) {
      throw new RegistryError("TAG_INVALID", (err as Error).message, {
        cause: err,
        detail: { tag: tag.slice(0, 200) },
      });
    }
  }
  return [...new Set(tags)];
}
