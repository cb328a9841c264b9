/**
 * The console's administration pages end to end (issue 14): a real `portcullis serve` in accounts mode
 * (the built dist/ and dist/web/), Debian's Chromium driven by playwright-core, axe-core on every tab.
 *
 * As the administrator: create a project, add a developer, create a robot and read its secret once,
 * push with that secret (skopeo), set an immutability rule and a quota and see skopeo refused by each,
 * rotate and revoke the robot, dry-run a retention rule. As the developer: the administration is not
 * offered (no link, no form, no write button). Screenshots go to docs/screenshots/ for the README.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  basicAuth,
  closeConsole,
  consoleTestsUnavailable,
  expectAccessible,
  launchChromium,
  openTab,
  screenshots,
  signIn as signInAt,
  startAccountsServer,
} from "../support/browser.js";
import { writeImageLayout } from "../support/oci-layout.js";
import { isolatedSkopeo, type Skopeo } from "../support/skopeo.js";
import { type RegistryServer, tempDir } from "../support/targets.js";

const TIMEOUT = 240_000;
const ADMIN = { name: "admin", password: "console admin e2e password" };
const DEV = { name: "dev", password: "console developer e2e password" };

const missing = consoleTestsUnavailable();

describe.skipIf(missing)("the console's administration in Chromium", () => {
  const temps: string[] = [];
  let work: string;
  let server: RegistryServer;
  let browser: Browser;
  let skopeo: Skopeo;
  const pageErrors: string[] = [];

  const signIn = (user: { name: string; password: string }): Promise<Page> =>
    signInAt(browser, server.url, user, pageErrors);

  beforeAll(async () => {
    work = await tempDir("portcullis-console-admin-", temps);
    const data = join(work, "data");
    server = await startAccountsServer(data, ADMIN.password);
    const created = await fetch(`${server.url}/api/v1/users`, {
      method: "POST",
      headers: { ...basicAuth(ADMIN.name, ADMIN.password), "content-type": "application/json" },
      body: JSON.stringify({ name: DEV.name, password: DEV.password, mustChangePassword: false }),
    });
    expect(created.status, await created.text()).toBe(201);
    skopeo = await isolatedSkopeo(join(work, "skopeo"));
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(() => closeConsole(browser, server, temps));

  it(
    "lets the administrator create a project, a member, a robot whose secret pushes, and storage rules that refuse pushes",
    async () => {
      const page = await signIn(ADMIN);
      await page.getByRole("link", { name: "Administration" }).click();
      await page.getByRole("heading", { level: 1, name: "Administration" }).waitFor();
      await expectAccessible(page, "the administration page");

      // A bad name: the API's own message, as text.
      await page.getByLabel(/^Name/).fill("Not A Name!");
      await page.getByRole("button", { name: "Create project" }).click();
      await expect
        .poll(() => page.getByRole("alert").textContent())
        .toMatch(/"Not A Name!" is not allowed .*\(INVALID_ARGUMENT\)$/);
      const none = await fetch(`${server.url}/api/v1/projects`, {
        headers: basicAuth(ADMIN.name, ADMIN.password),
      });
      expect(((await none.json()) as { projects: unknown[] }).projects).toEqual([]);

      await page.getByLabel(/^Name/).fill("team");
      await page.getByRole("button", { name: "Create project" }).click();
      await page.waitForURL(`${server.url}/admin/projects/team`);
      await page.getByRole("heading", { level: 1, name: "Project team" }).waitFor();

      // Members: add the developer.
      await page.getByRole("tabpanel").getByLabel("Name").fill(DEV.name);
      await page.getByLabel("Role").selectOption("developer");
      await page.getByRole("button", { name: "Add member" }).click();
      const members = page.getByRole("table", { name: "Members of team" });
      await expect.poll(() => members.textContent()).toMatch(/dev.*user.*developer/);
      await expectAccessible(page, "the members tab");

      // Robots: create one; its secret shown once in a dialog.
      await openTab(page, "Robots");
      await page.getByRole("tabpanel").getByLabel("Name", { exact: true }).fill("ci");
      await page.getByLabel("repository.push").check();
      await page.getByRole("button", { name: "Create robot" }).click();
      const dialog = page.getByRole("dialog", { name: "Secret of robot$team+ci" });
      await dialog.waitFor();
      await expectAccessible(page, "the robot secret dialog");
      const secret = await dialog.getByLabel("Secret").inputValue();
      expect(secret.length).toBeGreaterThan(20);
      await screenshots(page, "admin-robot-secret");
      await dialog.getByRole("button", { name: "I have stored it" }).click();
      await dialog.waitFor({ state: "hidden" });
      // The dialog hides before React drops it from the page: wait for the page, not one look at it.
      await expect.poll(() => page.content()).not.toContain(secret);
      await expect
        .poll(() => page.getByRole("table", { name: "Robots of team" }).textContent())
        .toMatch(/active/);

      // The secret works: skopeo logs in as the robot and pushes.
      const host = server.host;
      const login = await skopeo.login(host, "robot$team+ci", secret);
      expect(login.code, login.stderr).toBe(0);
      const first = join(work, "first");
      const second = join(work, "second");
      const big = join(work, "big");
      await writeImageLayout(first, { tag: "v1", layerSizes: [4 * 1024], seed: "admin-first" });
      await writeImageLayout(second, { tag: "v1", layerSizes: [4 * 1024], seed: "admin-second" });
      await writeImageLayout(big, { tag: "v2", layerSizes: [256 * 1024], seed: "admin-big" });
      await skopeo.copy(`oci:${first}:v1`, `docker://${host}/team/app:v1`);

      // Settings: an immutability rule, and skopeo is refused moving v1.
      await openTab(page, "Settings");
      await page.getByLabel(/Immutable tags/).fill("v*");
      await page.getByRole("button", { name: "Save settings" }).click();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved." }).count()).toBe(1);
      const moved = await skopeo.copy(`oci:${second}:v1`, `docker://${host}/team/app:v1`, {
        allowFailure: true,
      });
      expect(moved.code).not.toBe(0);
      expect(moved.stderr).toMatch(/immutable/);

      // A quota just over what is stored: a bigger image is refused.
      const usage = (await (
        await fetch(`${server.url}/api/v1/projects/team`, { headers: basicAuth(ADMIN.name, ADMIN.password) })
      ).json()) as { usage: { bytes: number } };
      await page.reload();
      await page.getByLabel(/Storage quota/).fill(String(Math.ceil(usage.usage.bytes / 1024) + 2));
      await page.getByLabel("Unit").selectOption("KiB");
      await page.getByRole("button", { name: "Save settings" }).click();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved." }).count()).toBe(1);
      const over = await skopeo.copy(`oci:${big}:v2`, `docker://${host}/team/web:v2`, { allowFailure: true });
      expect(over.code).not.toBe(0);
      expect(over.stderr).toMatch(/quota exceeded/);
      // A bad rule: the server's reason, shown as text.
      await page.getByLabel(/Immutable tags/).fill("v*\n<b>bad</b>:[");
      await page.getByRole("button", { name: "Save settings" }).click();
      await expect.poll(() => page.getByRole("alert").count()).toBe(1);
      expect(await page.locator(".failure b").count()).toBe(0);
      await page.reload();
      await page.getByRole("button", { name: "Save settings" }).waitFor();
      // What was saved is what the form shows again: the rule and the quota in KiB.
      expect(await page.getByLabel(/Immutable tags/).inputValue()).toBe("v*");
      expect(await page.getByLabel("Unit").inputValue()).toBe("KiB");
      await expectAccessible(page, "the settings tab");
      await screenshots(page, "admin");

      // Retention: one rule, a dry run that lists the image.
      await openTab(page, "Retention");
      await page.getByRole("button", { name: "Add rule" }).click();
      await page.getByLabel("N (count)").fill("5");
      await page.getByRole("button", { name: "Save rules" }).click();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "Rules saved." }).count()).toBe(1);
      await page.getByRole("button", { name: "Dry run" }).click();
      const plan = page.getByRole("table", { name: "Retention plan" });
      await expect.poll(() => plan.textContent()).toMatch(/team\/app.*keep/);
      await expectAccessible(page, "the retention tab with a dry run");

      // Rotate: the old secret stops working, the new one works; revoke: refused.
      await openTab(page, "Robots");
      await page.getByRole("button", { name: "Rotate the secret of robot$team+ci" }).click();
      const rotated = page.getByRole("dialog", { name: "Secret of robot$team+ci" });
      const newSecret = await rotated.getByLabel("Secret").inputValue();
      await rotated.getByRole("button", { name: "I have stored it" }).click();
      const tags = `${server.url}/v2/team/app/tags/list`;
      expect((await fetch(tags, { headers: basicAuth("robot$team+ci", secret) })).status).toBe(401);
      expect((await fetch(tags, { headers: basicAuth("robot$team+ci", newSecret) })).status).toBe(200);
      await page.getByRole("button", { name: "Revoke robot$team+ci" }).click();
      await expect
        .poll(() => page.getByRole("table", { name: "Robots of team" }).textContent())
        .toMatch(/revoked/);
      expect((await fetch(tags, { headers: basicAuth("robot$team+ci", newSecret) })).status).toBe(401);

      expect(pageErrors).toEqual([]);
      await page.context().close();
    },
    TIMEOUT,
  );

  it(
    "offers a developer no administration",
    async () => {
      const page = await signIn(DEV);
      expect(
        await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents(),
      ).not.toContain("Administration");
      await page.goto(`${server.url}/admin/projects/team`);
      await page.getByRole("heading", { level: 1, name: "Project team" }).waitFor();
      await page.getByRole("table", { name: "Members of team" }).waitFor();
      expect(await page.getByRole("tab").allTextContents()).toEqual(["Members", "Settings", "Retention"]);
      expect(await page.getByRole("button", { name: /Add member|Remove/ }).count()).toBe(0);
      await openTab(page, "Settings");
      expect(await page.getByRole("button", { name: "Save settings" }).count()).toBe(0);
      expect(await page.getByLabel(/Storage quota/).isDisabled()).toBe(true);
      await openTab(page, "Retention");
      expect(await page.getByRole("button", { name: /Add rule|Save rules|Dry run|Run now/ }).count()).toBe(0);
      await expectAccessible(page, "the retention tab, read-only");
      await page.goto(`${server.url}/admin`);
      await page.getByRole("table", { name: "Projects" }).waitFor();
      expect(await page.getByRole("button", { name: "Create project" }).count()).toBe(0);
      expect(pageErrors).toEqual([]);
      await page.context().close();
    },
    TIMEOUT,
  );
});
