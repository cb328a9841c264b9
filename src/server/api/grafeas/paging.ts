import { ServerError } from "../../errors.js";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/**
 * pageSize and pageToken of a Grafeas list. The token is the offset into the list, opaque to the
 * client (base64url), so a derived list and a stored one page the same way.
 */
export function readPaging(query: Record<string, unknown>): { offset: number; size: number } {
  const rawSize = query.pageSize;
  let size = DEFAULT_PAGE_SIZE;
  if (rawSize !== undefined && rawSize !== "" && rawSize !== "0") {
    if (typeof rawSize !== "string" || !/^\d{1,6}$/.test(rawSize))
      throw new ServerError("INVALID_ARGUMENT", "pageSize: a positive integer");
    size = Math.min(Number(rawSize), MAX_PAGE_SIZE);
  }
  const token = query.pageToken;
  let offset = 0;
  if (token !== undefined && token !== "") {
    const text = typeof token === "string" ? Buffer.from(token, "base64url").toString("utf8") : "";
    const m = /^o:(\d{1,9})$/.exec(text);
    if (!m) throw new ServerError("INVALID_ARGUMENT", "pageToken: not a token this server gave");
    offset = Number(m[1]);
  }
  return { offset, size };
}

export function page<T>(items: readonly T[], paging: { offset: number; size: number }) {
  const slice = items.slice(paging.offset, paging.offset + paging.size);
  const next = paging.offset + paging.size;
  return {
    items: slice,
    nextPageToken: next < items.length ? Buffer.from(`o:${next}`).toString("base64url") : "",
  };
}
