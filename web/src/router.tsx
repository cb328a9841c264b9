import {
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useSyncExternalStore,
} from "react";

/**
 * A small router over the History API: the URL is the state. The path picks the page and the query
 * string holds every filter, tab, sort and page, so any view is a link someone can paste. No router
 * library: the console has a handful of routes and needs only this.
 */
const CHANGE = "portcullis:navigate";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(CHANGE, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(CHANGE, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
  /** Path and query, as in an href. */
  readonly href: string;
}

/** The current location; re-renders on every navigation (links, back and forward). */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const at = href.indexOf("?");
  return {
    path: at === -1 ? href : href.slice(0, at),
    query: new URLSearchParams(at === -1 ? "" : href.slice(at + 1)),
    href,
  };
}

/** Goes to `to` (a path on this site); `replace` for changes that should not make a Back step (typing). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (!isLocalPath(to)) throw new Error(`not a path on this site: ${to}`);
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(CHANGE));
}

/** Only paths of this site: never `//host` or a scheme, so a return_to cannot send anyone away. */
export function isLocalPath(value: string): boolean {
  return value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\");
}

/** `path` with `query`'s non-empty values, in a stable order (what the user set, without defaults). */
export function hrefWith(path: string, query: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * One query parameter as state: the value (or `fallback`) and a setter that rewrites the URL. Setting
 * the fallback removes the parameter, so links stay short; changing a filter resets `page`.
 */
export function useQueryParam(
  name: string,
  fallback = "",
): [string, (value: string, options?: { replace?: boolean }) => void] {
  const location = useLocation();
  const value = location.query.get(name) ?? fallback;
  const set = useCallback(
    (next: string, options: { replace?: boolean } = {}) => {
      const params = new URLSearchParams(window.location.search);
      if (next === fallback || next === "") params.delete(name);
      else params.set(name, next);
      if (name !== "page") params.delete("page");
      const text = params.toString();
      navigate(text ? `${window.location.pathname}?${text}` : window.location.pathname, options);
    },
    [name, fallback],
  );
  return [value, set];
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

/** The console's own paths for a repository and an image (each component percent-encoded). */
export function repositoryPath(name: string): string {
  return `/repositories/${name.split("/").map(encodeURIComponent).join("/")}`;
}

export function imagePath(
  name: string,
  digest: string,
  query: Record<string, string | undefined> = {},
): string {
  return hrefWith(`${repositoryPath(name)}/manifests/${digest}`, query);
}

/** A project's administration page (`tab`: members, robots, settings, retention). */
export function adminProjectPath(name: string, tab?: string): string {
  return hrefWith(`/admin/projects/${encodeURIComponent(name)}`, { tab });
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & {
  readonly to: string;
  readonly children: ReactNode;
};

/** An ordinary link (middle click, copy link and open in a new tab work) that navigates in place. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

/**
 * Sets several query parameters at once (undefined or "" removes one); a change to anything but the
 * page goes back to page 1.
 */
export function updateQuery(
  changes: Record<string, string | undefined>,
  options: { replace?: boolean } = {},
): void {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === "") params.delete(key);
    else params.set(key, value);
  }
  if (!("page" in changes)) params.delete("page");
  const text = params.toString();
  navigate(text ? `${window.location.pathname}?${text}` : window.location.pathname, options);
}
