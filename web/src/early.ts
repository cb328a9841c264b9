import { repositoriesApiPath } from "./pages/repositories-query";
import { matchRoute } from "./paths";

/**
 * The first requests, started by a small script (early-start.ts, inlined into index.html by the build:
 * web/vite.config.ts) that the page runs while its HTML is still being parsed, before the app's
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

/** A read's answer, its body parsed (undefined when not JSON): what apiGet needs to answer or fail. */
export interface EarlyAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly body: unknown;
}

export interface EarlyEntry {
  readonly at: number;
  readonly answer: Promise<EarlyAnswer>;
  /** Set once the answer is in: the app's first render can then use it without waiting a turn. */
  settled?: EarlyAnswer;
}

declare global {
  /**
   * The early reads under way, by path. A global, not module state: the inline script (a classic
   * script of its own, with its own copy of this file) starts them and the main chunk takes them, and
   * the two share nothing else. Only this file reads or writes it.
   */
  var __portcullisEarly: Map<string, EarlyEntry> | undefined;
}

/** The one map both copies of this file use (created by whichever runs first). */
function store(): Map<string, EarlyEntry> {
  globalThis.__portcullisEarly ??= new Map();
  return globalThis.__portcullisEarly;
}

async function read(path: string): Promise<EarlyAnswer> {
  const response = await fetch(path, { headers: READ_HEADERS, credentials: "same-origin" });
  const body: unknown = await response.json().catch(() => undefined);
  return { status: response.status, statusText: response.statusText, body };
}

/** Starts GET `path` now, to be taken by the app's first read of the same path. */
export function fetchEarly(path: string): void {
  const started = store();
  if (started.has(path)) return;
  const entry: EarlyEntry = { at: Date.now(), answer: read(path) };
  started.set(path, entry);
  // A failure is dropped, not kept: the page asks again itself (after signing in, say).
  const drop = () => started.get(path) === entry && started.delete(path);
  entry.answer.then((answer) => {
    entry.settled = answer;
    if (answer.status < 200 || answer.status > 299) drop();
  }, drop);
}

function fresh(path: string): EarlyEntry | undefined {
  const started = store();
  const entry = started.get(path);
  if (entry && Date.now() - entry.at > FRESH_MS) started.delete(path);
  return entry && Date.now() - entry.at <= FRESH_MS ? entry : undefined;
}

/** The early answer for `path`, once: later reads of the path go to the server. */
export function takeEarly(path: string): Promise<EarlyAnswer> | undefined {
  const entry = fresh(path);
  store().delete(path);
  return entry?.answer;
}

/** Whether every one of `paths` has an early answer in hand (so a first render can use them all). */
export function allSettled(...paths: string[]): boolean {
  return paths.every((path) => fresh(path)?.settled !== undefined);
}

/** The early answer for `path` if it is in hand, once (see takeEarly). */
export function takeSettled(path: string): EarlyAnswer | undefined {
  const settled = fresh(path)?.settled;
  if (settled) store().delete(path);
  return settled;
}

/** The session's reads on every page, and the Repositories page's first page of rows. */
export function startEarly(path: string, search: string): void {
  fetchEarly("/api/v1/system/info");
  fetchEarly("/api/v1/me");
  if (matchRoute(path).page === "repositories") fetchEarly(repositoriesApiPath(new URLSearchParams(search)));
}
