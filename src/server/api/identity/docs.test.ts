import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PROJECT_PERMISSIONS, SYSTEM_PERMISSIONS } from "../../../auth/index.js";
import { IMAGE_ROUTES } from "../images/routes.js";
import { RUNTIME_ROUTES } from "../runtime/openapi.js";
import { renderPermissionsDoc } from "./docs.js";
import { IDENTITY_ROUTES } from "./routes.js";

// The routes the OpenAPI document describes (routes.ts): the permissions page lists each of them.
const ROUTES = [...IDENTITY_ROUTES, ...IMAGE_ROUTES, ...RUNTIME_ROUTES];

const DOC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "docs", "permissions.md");

describe("docs/permissions.md", () => {
  const rendered = renderPermissionsDoc(ROUTES);

  it("is what the permission table and the routes render (PORTCULLIS_UPDATE_DOCS=1 rewrites it)", () => {
    if (process.env.PORTCULLIS_UPDATE_DOCS === "1") writeFileSync(DOC, rendered);
    expect(readFileSync(DOC, "utf8")).toBe(rendered);
  });

  it("names every permission and every route", () => {
    for (const permission of [...PROJECT_PERMISSIONS, ...SYSTEM_PERMISSIONS])
      expect(rendered).toContain(`| \`${permission}\` |`);
    for (const route of ROUTES) expect(rendered).toContain(`| ${route.method} | \`${route.path}\` |`);
  });
});
