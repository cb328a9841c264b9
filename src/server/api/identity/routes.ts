import type { FastifyInstance } from "fastify";
import type { Platform } from "../../../app/index.js";
import { CONSOLE_ROUTES } from "../console/routes.js";
import { IMAGE_ROUTES } from "../images/routes.js";
import { RECORD_ROUTES } from "../record/routes.js";
import { TIMELINE_ROUTES } from "../record/timeline.js";
import { REPLICATION_ROUTES } from "../replication/routes.js";
import { RUNTIME_ROUTES } from "../runtime/openapi.js";
import { GROUP_ROUTES } from "./groups.js";
import { KEY_ROUTES } from "./keys.js";
import { ME_ROUTES } from "./me.js";
import { MEMBER_ROUTES } from "./members.js";
import { openApiDocument } from "./openapi.js";
import { PROJECT_ROUTES } from "./projects.js";
import { RETENTION_ROUTES } from "./retention.js";
import { ROBOT_ROUTES } from "./robots.js";
import { ROLE_ROUTES } from "./roles.js";
import type { IdentityRoute } from "./route.js";
import { registerRoutes } from "./route.js";
import { USER_ROUTES } from "./users.js";
import { WEBHOOK_ROUTES } from "./webhooks.js";

/**
 * Every route of the accounts API: one list, which the server registers, the OpenAPI document
 * describes, docs/permissions.md tabulates and the authorization-matrix test walks.
 */
export const IDENTITY_ROUTES: readonly IdentityRoute[] = [
  ...ME_ROUTES,
  ...USER_ROUTES,
  ...GROUP_ROUTES,
  ...PROJECT_ROUTES,
  ...RETENTION_ROUTES,
  ...MEMBER_ROUTES,
  ...ROLE_ROUTES,
  ...ROBOT_ROUTES,
  ...WEBHOOK_ROUTES,
  ...KEY_ROUTES,
  ...CONSOLE_ROUTES,
  ...RECORD_ROUTES,
  ...TIMELINE_ROUTES,
  ...REPLICATION_ROUTES,
];

/**
 * The accounts API under /api/v1/ and its OpenAPI document (GET /api/v1/openapi.json, public: it
 * describes the API, not the installation). In anonymous mode the routes answer 404 saying that
 * accounts are off.
 */
export function registerIdentityRoutes(app: FastifyInstance, platform: Platform): void {
  registerRoutes(app, platform, IDENTITY_ROUTES);
  let document: string | undefined;
  app.get("/api/v1/openapi.json", async (request, reply) => {
    request.routeName = "api.openapi";
    document ??= JSON.stringify(openApiDocument([...IDENTITY_ROUTES, ...IMAGE_ROUTES, ...RUNTIME_ROUTES]));
    return reply.type("application/json").send(document);
  });
}
