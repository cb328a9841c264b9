/**
 * The console's paths and query strings, without React: the app's router (router.tsx) and the early
 * start script (early-start.ts, which must stay small and runs before React has even downloaded) both
 * read them.
 */

/** `path` with `query`'s non-empty values, in a stable order (what the user set, without defaults). */
export function hrefWith(path: string, query: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A page number from the query: a positive integer, 1 otherwise. */
export function pageParam(query: URLSearchParams): number {
  const n = Number(query.get("page") ?? "1");
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

export type Route =
  | { readonly page: "repositories" }
  | { readonly page: "repository"; readonly name: string }
  | { readonly page: "image"; readonly name: string; readonly digest: string }
  | { readonly page: "decisions" }
  | { readonly page: "timeline" }
  | { readonly page: "policies" }
  | { readonly page: "advisories" }
  | { readonly page: "admin" }
  | { readonly page: "admin-project"; readonly name: string }
  | { readonly page: "admin-system" }
  | { readonly page: "login" }
  | { readonly page: "not-found" };

const IMAGE = /^\/repositories\/(.+)\/manifests\/([a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$/;
const REPOSITORY = /^\/repositories\/(.+)$/;
const ADMIN_PROJECT = /^\/admin\/projects\/([^/]+)$/;
const PAGES: Record<string, Route> = {
  "/": { page: "repositories" },
  "/repositories": { page: "repositories" },
  "/decisions": { page: "decisions" },
  "/timeline": { page: "timeline" },
  "/policies": { page: "policies" },
  "/advisories": { page: "advisories" },
  "/admin": { page: "admin" },
  "/admin/system": { page: "admin-system" },
  "/login": { page: "login" },
};

/**
 * The page for a path. Repository names hold slashes, and a digest holds a colon, which no repository
 * name may: `/repositories/a/b/manifests/sha256:…` is always an image of `a/b`.
 */
export function matchRoute(path: string): Route {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const fixed = PAGES[trimmed];
  if (fixed) return fixed;
  const image = IMAGE.exec(trimmed);
  if (image) return { page: "image", name: decodePath(image[1]!), digest: decodePath(image[2]!) };
  const adminProject = ADMIN_PROJECT.exec(trimmed);
  if (adminProject) return { page: "admin-project", name: decodePath(adminProject[1]!) };
  const repository = REPOSITORY.exec(trimmed);
  if (repository) return { page: "repository", name: decodePath(repository[1]!) };
  return { page: "not-found" };
}

function decodePath(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
