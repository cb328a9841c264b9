import { repositoriesApiPath } from "./pages/repositories-query";
import { matchRoute } from "./paths";

/**
 * The first requests, started by a small script (early-start.ts) that the page runs before the app's
 * main chunk (React and the app, some 70 kB gzip) has even downloaded: who is signed in (the session's
 * two reads) and, on the Repositories page, its first page of rows. The app then takes each answer
 * instead of asking again, so the data arrive while the code still loads: one round trip after the
 * HTML in all, not three in a row (HTML, code, data). No React here: this file and what it imports
 * stay a few kilobytes.
 *
 * The requests are the app's own (same headers, same cookie): the server authorises them exactly as
 * any other /api/v1 read, and nothing is put in the page.
 */

/** Headers of every console read; see api.ts (X-Portcullis-CSRF asks for a `Session` challenge). */
export const READ_HEADERS: Readonly<Record<string, string>> = {
  Accept: "application/json",
  "X-Portcullis-CSRF": "1",
};

/** An early answer older than this is not handed out: the page asks afresh. */
const FRESH_MS = 10_000;

const started = new Map<string, { readonly at: number; readonly response: Promise<Response> }>();

/** Starts GET `path` now, to be taken by the app's first read of the same path. */
export function fetchEarly(path: string): void {
  if (started.has(path)) return;
  const entry = {
    at: Date.now(),
    response: fetch(path, { headers: READ_HEADERS, credentials: "same-origin" }),
  };
  started.set(path, entry);
  // A failure is dropped, not kept: the page asks again itself (after signing in, say).
  const drop = () => started.get(path) === entry && started.delete(path);
  entry.response.then((response) => response.ok || drop(), drop);
}

/** The early answer for `path`, once: later reads of the path go to the server. */
export function takeEarly(path: string): Promise<Response> | undefined {
  const entry = started.get(path);
  if (!entry) return undefined;
  started.delete(path);
  return Date.now() - entry.at <= FRESH_MS ? entry.response : undefined;
}

/** The session's reads on every page, and the Repositories page's first page of rows. */
export function startEarly(path: string, search: string): void {
  fetchEarly("/api/v1/system/info");
  fetchEarly("/api/v1/me");
  if (matchRoute(path).page === "repositories") fetchEarly(repositoriesApiPath(new URLSearchParams(search)));
}
