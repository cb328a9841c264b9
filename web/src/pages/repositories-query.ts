import { hrefWith, pageParam } from "../paths";

/** Rows a page of the Repositories list holds. */
export const PER_PAGE = 50;

/**
 * The API request behind the Repositories page for a URL's query: the page asks for it, and so does
 * the early start script (early.ts), before the app's code has even loaded.
 */
export function repositoriesApiPath(query: URLSearchParams): string {
  return hrefWith("/api/v1/repositories", {
    q: query.get("q") ?? "",
    sort: query.get("sort") ?? "name",
    order: query.get("order") === "desc" ? "desc" : "asc",
    page: pageParam(query),
    perPage: PER_PAGE,
  });
}
