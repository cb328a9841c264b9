/**
 * What the console's browser tests share (test/e2e/console*.test.ts): whether the machine can run them,
 * Debian's Chromium started through playwright-core (no downloaded browser), a page at the size the
 * README's pictures have, signing in, opening a tab, axe-core on a page and the light and dark
 * screenshots the README shows. One copy, so the suites check accessibility by the same rules and
 * their pictures come out alike.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { unavailable } from "./requirements.js";
import {
  hasCommand,
  PORTCULLIS_BIN,
  REPO_ROOT,
  type RegistryServer,
  run,
  startPortcullis,
} from "./targets.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(REPO_ROOT, "docs", "screenshots");

/**
 * Whether the console's end-to-end tests must be skipped here (Chromium, skopeo, the built console):
 * the reason is written to stderr; under CI a missing one throws (see `unavailable`).
 */
export function consoleTestsUnavailable(): boolean {
  return (
    unavailable(`chromium (${CHROMIUM})`, existsSync(CHROMIUM)) ||
    unavailable("skopeo", hasCommand("skopeo")) ||
    unavailable(
      "the built console (npm run build: dist/web/index.html)",
      existsSync(join(REPO_ROOT, "dist", "web", "index.html")),
    )
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

/** An HTTP Basic authorization header for the API (accounts mode takes a user's or robot's secret). */
export function basicAuth(name: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${name}:${secret}`).toString("base64")}` };
}

/**
 * A fresh page (its own cookies) of 1440×900 in the light scheme; errors thrown in it are appended to
 * `pageErrors`, which each test expects empty at its end.
 */
export async function newPage(browser: Browser, pageErrors: string[]): Promise<Page> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    colorScheme: "light",
  });
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return page;
}

/** A new page signed in to the console at `url` through its login form, on the repositories page. */
export async function signIn(
  browser: Browser,
  url: string,
  user: { readonly name: string; readonly password: string },
  pageErrors: string[],
): Promise<Page> {
  const page = await newPage(browser, pageErrors);
  await page.goto(`${url}/login`);
  await page.getByLabel("User name").fill(user.name);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Repositories" }).waitFor();
  return page;
}

/** Clicks the tab called `title`, which puts `?tab=<id>` in the address, and waits for its data. */
export async function openTab(page: Page, title: string, id = title.toLowerCase()): Promise<void> {
  await page.getByRole("tab", { name: title }).click();
  await page.waitForURL(new RegExp(`tab=${id}`));
  await page.getByRole("tabpanel").waitFor();
  await page.waitForLoadState("networkidle");
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

let axeSource: string | undefined;

/** axe-core on the page as it is: every WCAG 2.1 A/AA rule; serious and critical findings fail. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  // Through the DevTools protocol, not a <script>: the console's CSP refuses inline scripts, rightly.
  await page.evaluate(axeSource);
  // A string, evaluated in the page: this file is type-checked without the DOM's types.
  const violations = await page.evaluate<AxeViolation[]>(`(async () => {
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  })()`);
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    serious.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    ),
    `axe on ${what}`,
  ).toEqual([]);
}

/** `docs/screenshots/<name>-light.png` and `-dark.png` of the page as it is; leaves it light. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${colorScheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/**
 * A `portcullis serve` in accounts mode over `dataDir`, its administrator `admin` made first by `admin
 * init` with `password` (the suites that sign in as that administrator).
 */
export async function startAccountsServer(dataDir: string, password: string): Promise<RegistryServer> {
  const init = await run(process.execPath, [PORTCULLIS_BIN, "admin", "init", "--data", dataDir], {
    allowFailure: true,
    env: { PORTCULLIS_AUTH_MODE: "accounts", PORTCULLIS_ADMIN_PASSWORD: password },
  });
  expect(init.code, init.stderr).toBe(0);
  return startPortcullis({ dataDir, env: { PORTCULLIS_AUTH_MODE: "accounts" } });
}

/** A suite's teardown: the browser, then the server, then its temporary directories (any not started is skipped). */
export async function closeConsole(
  browser: Browser | undefined,
  server: RegistryServer | undefined,
  temps: readonly string[],
): Promise<void> {
  await browser?.close();
  await server?.dispose();
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
}
