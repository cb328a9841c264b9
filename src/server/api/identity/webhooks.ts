import type { z } from "zod";
import type { Platform, Webhook, WebhookDelivery } from "../../../app/index.js";
import { AuthError } from "../../../auth/index.js";
import type { IdentityRoute } from "./route.js";
import { route } from "./route.js";
import type { IdentityServices } from "./services.js";
import {
  CreateWebhook,
  DeliveriesQuery,
  UpdateWebhook,
  WebhookCollectionParams,
  WebhookCreated,
  WebhookDeliveryList,
  WebhookDelivery as WebhookDeliverySchema,
  WebhookList,
  WebhookParams,
  Webhook as WebhookSchema,
} from "./webhook-schemas.js";

const BASE = "/api/v1/projects/{project}/webhooks";
const READ = { kind: "permission", permission: "webhook.read", project: "project" } as const;
const WRITE = { kind: "permission", permission: "webhook.write", project: "project" } as const;
const tag = "webhooks";

const iso = (ms: number) => new Date(ms).toISOString();

function webhookWire(w: Webhook): z.input<typeof WebhookSchema> {
  return {
    id: w.id,
    project: w.project,
    url: w.url,
    events: [...w.events],
    enabled: w.enabled,
    allowInsecure: w.allowInsecure,
    description: w.description,
    createdBy: w.createdBy,
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
  };
}

function deliveryWire(d: WebhookDelivery): z.input<typeof WebhookDeliverySchema> {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    state: d.state,
    createdAt: iso(d.createdAt),
    nextAttemptAt: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
    attempts: d.attempts.map((a) => ({
      attempt: a.attempt,
      at: iso(a.at),
      statusCode: a.statusCode,
      durationMs: a.durationMs,
      error: a.error,
      nextRetryAt: a.nextRetryAt === null ? null : iso(a.nextRetryAt),
    })),
  };
}

/** The project must exist (404 otherwise), and the platform must run notifications (accounts mode). */
async function services(platform: Platform, identity: IdentityServices, project: string) {
  if (!(await identity.store.findProject(project))) throw new AuthError("NOT_FOUND", `no project ${project}`);
  if (!platform.notifications) throw new AuthError("NOT_FOUND", "webhooks need auth.mode: accounts");
  return platform.notifications;
}

/**
 * A project's webhooks (`webhook.read`, `webhook.write`: maintainers and project admins). The secret is
 * answered by create alone; changes are recorded in the audit log as `webhook.changed`, without the
 * secret and without the URL's query (it may hold a token).
 */
export const WEBHOOK_ROUTES: readonly IdentityRoute[] = [
  route({
    id: "listWebhooks",
    method: "GET",
    path: BASE,
    summary: "List a project's webhooks",
    tag,
    access: READ,
    params: WebhookCollectionParams,
    response: WebhookList,
    handle: async ({ platform, identity, params }) => {
      const notifications = await services(platform, identity, params.project);
      return { webhooks: (await notifications.list(params.project)).map(webhookWire) };
    },
  }),
  route({
    id: "createWebhook",
    method: "POST",
    path: BASE,
    summary: "Subscribe a URL to the project's events; the answer holds the signing secret, shown this once",
    tag,
    access: WRITE,
    event: "webhook.changed",
    params: WebhookCollectionParams,
    body: CreateWebhook,
    response: WebhookCreated,
    status: 201,
    handle: async ({ platform, identity, params, body, caller, record }) => {
      const notifications = await services(platform, identity, params.project);
      const { webhook, secret } = await notifications.create(params.project, body, caller.subject);
      record(`webhook:${params.project}/${webhook.id}`, `webhook created for ${origin(webhook.url)}`);
      return { webhook: webhookWire(webhook), secret };
    },
  }),
  route({
    id: "getWebhook",
    method: "GET",
    path: `${BASE}/{webhook}`,
    summary: "One of the project's webhooks",
    tag,
    access: READ,
    params: WebhookParams,
    response: WebhookSchema,
    handle: async ({ platform, identity, params }) => {
      const notifications = await services(platform, identity, params.project);
      return webhookWire(await notifications.get(params.project, params.webhook));
    },
  }),
  route({
    id: "updateWebhook",
    method: "PATCH",
    path: `${BASE}/{webhook}`,
    summary: "Change a webhook's URL, event types, description or enabled flag (the secret stays)",
    tag,
    access: WRITE,
    event: "webhook.changed",
    params: WebhookParams,
    body: UpdateWebhook,
    response: WebhookSchema,
    handle: async ({ platform, identity, params, body, record }) => {
      const notifications = await services(platform, identity, params.project);
      const webhook = await notifications.update(params.project, params.webhook, body);
      record(`webhook:${params.project}/${webhook.id}`, `webhook changed: ${Object.keys(body).join(", ")}`);
      return webhookWire(webhook);
    },
  }),
  route({
    id: "deleteWebhook",
    method: "DELETE",
    path: `${BASE}/{webhook}`,
    summary: "Delete a webhook with its delivery log",
    tag,
    access: WRITE,
    event: "webhook.changed",
    params: WebhookParams,
    status: 204,
    handle: async ({ platform, identity, params, record }) => {
      const notifications = await services(platform, identity, params.project);
      await notifications.delete(params.project, params.webhook);
      record(`webhook:${params.project}/${params.webhook}`, "webhook deleted");
      return undefined;
    },
  }),
  route({
    id: "testWebhook",
    method: "POST",
    path: `${BASE}/{webhook}/test`,
    summary: "Send a dev.portcullis.webhook.test event now; answers its delivery after the first attempt",
    tag,
    access: WRITE,
    event: "webhook.changed",
    params: WebhookParams,
    response: WebhookDeliverySchema,
    handle: async ({ platform, identity, params, caller }) => {
      const notifications = await services(platform, identity, params.project);
      return deliveryWire(await notifications.testFire(params.project, params.webhook, caller.subject));
    },
  }),
  route({
    id: "listWebhookDeliveries",
    method: "GET",
    path: `${BASE}/{webhook}/deliveries`,
    summary:
      "A webhook's deliveries, newest first, each with every attempt (status, duration, error, next retry)",
    tag,
    access: READ,
    params: WebhookParams,
    query: DeliveriesQuery,
    response: WebhookDeliveryList,
    handle: async ({ platform, identity, params, query }) => {
      const notifications = await services(platform, identity, params.project);
      const deliveries = await notifications.deliveries(params.project, params.webhook, query.limit ?? 50);
      return { deliveries: deliveries.map(deliveryWire) };
    },
  }),
];

/** scheme://host[:port] of a URL: what the audit log says of it (a path or query may hold a token). */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "an invalid URL";
  }
}
