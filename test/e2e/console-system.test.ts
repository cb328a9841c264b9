/**
 * The console's system administration end to end (issue 14): a real `portcullis serve` in accounts
 * mode (the built dist/ and dist/web/), Debian's Chromium driven by playwright-core, axe-core on every
 * tab. As the administrator: create a user with a generated one-time password (shown once), reset it
 * (again shown once), make them an administrator and no longer, sign them out everywhere, disable
 * them, create a group with a member, a custom role from chosen permissions, and a system robot (in any
 * project, member or not) whose secret (shown once, with its expiry) signs in. As a maintainer: no system administration offered, and the project's
 * immutable-tag rules editable (immutability.write) while visibility and quota stay read-only.
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
import { type RegistryServer, tempDir } from "../support/targets.js";

const TIMEOUT = 240_000;
const ADMIN = { name: "admin", password: "console system e2e password" };
const KEEPER = { name: "keeper", password: "console maintainer e2e password" };

const missing = consoleTestsUnavailable();

describe.skipIf(missing)("the console's system administration in Chromium", () => {
  const temps: string[] = [];
  let server: RegistryServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  const api = async (method: string, path: string, body?: unknown, as = ADMIN) => {
    const answer = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...basicAuth(as.name, as.password),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await answer.text();
    return { status: answer.status, body: text ? JSON.parse(text) : undefined, text };
  };

  const signIn = (user: { name: string; password: string }): Promise<Page> =>
    signInAt(browser, server.url, user, pageErrors);

  beforeAll(async () => {
    const work = await tempDir("portcullis-console-system-", temps);
    const data = join(work, "data");
    server = await startAccountsServer(data, ADMIN.password);
    expect((await api("POST", "/api/v1/projects", { name: "team" })).status).toBe(201);
    expect((await api("POST", "/api/v1/projects", { name: "solo" })).status).toBe(201);
    const keeper = await api("POST", "/api/v1/users", {
      name: KEEPER.name,
      password: KEEPER.password,
      mustChangePassword: false,
    });
    expect(keeper.status, keeper.text).toBe(201);
    const member = await api("POST", "/api/v1/projects/team/members", {
      name: KEEPER.name,
      role: "maintainer",
    });
    expect(member.status, member.text).toBe(201);
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(() => closeConsole(browser, server, temps));

  it(
    "lets the administrator manage users, groups, custom roles and system robots",
    async () => {
      const page = await signIn(ADMIN);
      await page.getByRole("link", { name: "Administration" }).click();
      await page.getByRole("link", { name: "System administration" }).click();
      await page.getByRole("heading", { level: 1, name: "System administration" }).waitFor();
      await page.getByRole("table", { name: "Users" }).waitFor();
      await expectAccessible(page, "the users tab");

      // A user without a password: the generated one-time password, shown once.
      await page.getByRole("tabpanel").getByLabel("Name", { exact: true }).fill("ann");
      await page.getByRole("button", { name: "Create user" }).click();
      const dialog = page.getByRole("dialog", { name: "One-time password of ann" });
      await dialog.waitFor();
      await expectAccessible(page, "the one-time password dialog");
      const password = await dialog.getByLabel("One-time password").inputValue();
      expect(password.length).toBeGreaterThan(12);
      await dialog.getByRole("button", { name: "I have stored it" }).click();
      await dialog.waitFor({ state: "hidden" });
      // Closed, the dialog's component is dropped on the next render: the password leaves the page.
      await expect.poll(() => page.content()).not.toContain(password);
      // The password signs ann in (one-time: /me answers, and says so).
      const me = await api("GET", "/api/v1/me", undefined, { name: "ann", password });
      expect(me.status, me.text).toBe(200);
      // Reset: a new one-time password, shown once; the old one stops working.
      await page.getByRole("button", { name: "Reset password of ann" }).click();
      const reset = page.getByRole("dialog", { name: "One-time password of ann" });
      await reset.waitFor();
      const second = await reset.getByLabel("One-time password").inputValue();
      await reset.getByRole("button", { name: "I have stored it" }).click();
      await reset.waitFor({ state: "hidden" });
      expect(second).not.toBe(password);
      expect((await api("GET", "/api/v1/me", undefined, { name: "ann", password })).status).toBe(401);
      const again = await api("GET", "/api/v1/me", undefined, { name: "ann", password: second });
      expect(again.status, again.text).toBe(200);
      await page.getByRole("button", { name: "Make administrator ann" }).click();
      await expect.poll(async () => (await api("GET", "/api/v1/users/ann")).body.admin).toBe(true);
      await page.getByRole("button", { name: "Remove administrator ann" }).click();
      await expect.poll(async () => (await api("GET", "/api/v1/users/ann")).body.admin).toBe(false);
      await page.getByRole("button", { name: "Sign out everywhere ann" }).click();
      await page.getByText(/^ann: \d+ session\(s\) signed out\.$/).waitFor();
      await expectAccessible(page, "the users tab with its actions");
      await page.getByRole("button", { name: "Disable ann" }).click();
      await expect.poll(async () => (await api("GET", "/api/v1/users/ann")).body.disabled).toBe(true);

      // Groups: create one and add ann.
      await openTab(page, "Groups", "groups");
      await page.getByRole("tabpanel").getByLabel("Name", { exact: true }).fill("ops");
      await page.getByRole("button", { name: "Create group" }).click();
      const add = page.getByRole("form", { name: "Add a member to ops" });
      await add.getByLabel("User").fill("ann");
      await add.getByRole("button", { name: "Add member" }).click();
      await page.getByRole("button", { name: "Remove ann from ops" }).waitFor();
      expect((await api("GET", "/api/v1/groups")).body.groups).toEqual([{ name: "ops", members: ["ann"] }]);
      await expectAccessible(page, "the groups tab");

      // Roles: a custom role of chosen permissions.
      await openTab(page, "Roles", "roles");
      await page.getByRole("tabpanel").getByLabel("Name", { exact: true }).fill("scanner");
      await page.getByLabel("scan.run").check();
      await page.getByRole("button", { name: "Create role" }).click();
      await page.getByRole("button", { name: "Delete role scanner" }).waitFor();
      const roles = (await api("GET", "/api/v1/roles")).body.roles as {
        name: string;
        permissions: string[];
      }[];
      expect(roles.find((r) => r.name === "scanner")?.permissions).toEqual([
        "project.read",
        "repository.pull",
        "scan.run",
      ]);
      await expectAccessible(page, "the roles tab");
      await page.evaluate("window.scrollTo(0, 0)");
      await screenshots(page, "admin-system-roles");

      // System robots: a grant in team and runtime.write; the secret shown once signs the robot in.
      await openTab(page, "System robots", "robots");
      await page.getByRole("tabpanel").getByLabel("Name", { exact: true }).fill("ci");
      await page.getByRole("button", { name: "Add a project grant" }).click();
      // An administrator may grant in every project, also those it is no member of.
      const projectChoice = page.getByRole("group", { name: "Project grant 1" }).locator("select");
      await expect.poll(() => projectChoice.locator("option").allTextContents()).toEqual(["solo", "team"]);
      await projectChoice.selectOption("team");
      await page.getByLabel("runtime.write").check();
      await page.getByRole("button", { name: "Create system robot" }).click();
      const secretDialog = page.getByRole("dialog", { name: "Secret of robot$ci" });
      await secretDialog.waitFor();
      await secretDialog.getByText(/^It expires at /).waitFor();
      const secret = await secretDialog.getByLabel("Secret").inputValue();
      await secretDialog.getByRole("button", { name: "I have stored it" }).click();
      const robot = await api("GET", "/api/v1/me", undefined, { name: "robot$ci", password: secret });
      expect(robot.status, robot.text).toBe(200);
      expect(await page.getByLabel("runtime.write").isChecked()).toBe(false);
      await expect
        .poll(() => page.getByRole("table", { name: "System robots" }).textContent())
        .toMatch(/team \(\*\): repository\.pull; runtime\.write.*active/);
      await expectAccessible(page, "the system robots tab");
      await page.getByRole("button", { name: "Revoke robot$ci" }).click();
      await expect.poll(async () => (await api("GET", "/api/v1/robots/ci")).body.disabled).toBe(true);
      expect(pageErrors).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "offers a maintainer the immutable-tag rules but no system administration",
    async () => {
      const page = await signIn(KEEPER);
      await page.getByRole("link", { name: "Administration" }).click();
      await page.getByRole("heading", { level: 1, name: "Administration" }).waitFor();
      expect(await page.getByRole("link", { name: "System administration" }).count()).toBe(0);
      await page.getByRole("link", { name: "team" }).click();
      await openTab(page, "Settings", "settings");
      expect(await page.getByLabel(/Storage quota/).isDisabled()).toBe(true);
      await page.getByLabel(/Immutable tags/).fill("v*");
      await page.getByRole("button", { name: "Save settings" }).click();
      await page.getByText("Saved.").waitFor();
      expect((await api("GET", "/api/v1/projects/team")).body.settings.immutableTags).toEqual(["v*"]);
      await expectAccessible(page, "the maintainer's settings tab");
      await page.goto(`${server.url}/admin/system`);
      await page.getByText(/needs a system permission/).waitFor();
      expect(pageErrors).toEqual([]);
    },
    TIMEOUT,
  );
});
