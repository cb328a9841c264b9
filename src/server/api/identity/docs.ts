import {
  ACTION_PERMISSION,
  BUILTIN_ROLE_DESCRIPTIONS,
  BUILTIN_ROLE_PERMISSIONS,
  BUILTIN_ROLES,
  PERMISSION_DESCRIPTIONS,
  PROJECT_PERMISSIONS,
  PUBLIC_PROJECT_PERMISSIONS,
  SYSTEM_PERMISSIONS,
} from "../../../auth/index.js";
import { accessText, type DocumentedRoute } from "./openapi.js";

/**
 * docs/permissions.md, rendered from the permission table (auth/permissions.ts) and every route of the
 * API's OpenAPI document (accounts, images, runtime ingestion): the docs say what the checks read, and
 * docs.test.ts fails while the file differs.
 */
export function renderPermissionsDoc(
  routes: readonly Pick<DocumentedRoute, "method" | "path" | "summary" | "access">[],
): string {
  const lines: string[] = [];
  const row = (cells: readonly string[]) => lines.push(`| ${cells.join(" | ")} |`);
  const header = (cells: readonly string[]) => {
    row(cells);
    row(cells.map(() => "---"));
  };
  lines.push(
    "# Permissions",
    "",
    "<!-- Generated from src/auth/permissions.ts and src/server/api/identity/ by",
    "     `PORTCULLIS_UPDATE_DOCS=1 npx vitest run src/server/api/identity/docs.test.ts`; do not edit by hand. -->",
    "",
    "Every access check in Portcullis (the registry under `/v2/`, the token service, the management API) reads",
    "one table, `src/auth/permissions.ts`; this page is rendered from it. Accounts apply with `auth.mode: accounts`.",
    "",
    "Project permissions apply inside one project: the first component of a repository's name (`team/app` is in",
    "`team`). A grant may be narrowed to repository globs inside the project (`app/*`); project-wide permissions",
    "(members, robots, settings) need a grant over every repository (`*`). Administrators hold every permission.",
    "",
    "## Project roles",
    "",
  );
  header(["role", "for"]);
  for (const role of BUILTIN_ROLES) row([`\`${role}\``, BUILTIN_ROLE_DESCRIPTIONS[role]]);
  lines.push(
    "",
    "Custom roles are any set of project permissions (`portcullis role create NAME --permission ...`, which needs",
    "`system.roles`). Robots hold project permissions directly, without a role. Nobody may grant a role or create",
    "a robot with a permission they do not hold in that project themselves.",
    "",
    "## Project permissions by role",
    "",
  );
  header(["permission", "what it allows", ...BUILTIN_ROLES.map((r) => `\`${r}\``)]);
  for (const permission of PROJECT_PERMISSIONS) {
    row([
      `\`${permission}\``,
      PERMISSION_DESCRIPTIONS[permission],
      ...BUILTIN_ROLES.map((role) => (BUILTIN_ROLE_PERMISSIONS[role].has(permission) ? "✓" : "")),
    ]);
  }
  lines.push(
    "",
    `In a public project anyone, anonymous callers too, holds ${[...PUBLIC_PROJECT_PERMISSIONS].map((p) => `\`${p}\``).join(" and ")}.`,
    "",
    "## System permissions",
    "",
    "Held by administrators only (users with `admin`); no role grants them.",
    "",
  );
  header(["permission", "what it allows"]);
  for (const permission of SYSTEM_PERMISSIONS)
    row([`\`${permission}\``, PERMISSION_DESCRIPTIONS[permission]]);
  lines.push("", "## Registry actions", "");
  header(["action (`/v2/`, token scopes)", "needs"]);
  for (const [action, permission] of Object.entries(ACTION_PERMISSION)) {
    row([
      `\`${action}\``,
      action === "catalog" ? "anyone; it lists only what the caller may pull" : `\`${permission}\``,
    ]);
  }
  lines.push(
    "",
    "## Management API",
    "",
    "Every route under `/api/v1/` that its OpenAPI 3.1 document (`GET /api/v1/openapi.json`) describes: accounts,",
    "images and runtime ingestion. A caller without the permission gets 403 `DENIED`, an anonymous caller 401",
    "with a Basic challenge; refused changes are recorded in the audit log like allowed ones.",
    "",
  );
  header(["method", "path", "what", "who may"]);
  for (const r of routes) row([r.method, `\`${r.path}\``, r.summary, accessText(r.access)]);
  return `${lines.join("\n")}\n`;
}
