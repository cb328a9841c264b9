import { z } from "zod";
import { EVENT_TYPES } from "../../../app/index.js";
import { named } from "./schemas.js";

/** The webhook routes' schemas (webhooks.ts): the secret appears in `WebhookCreated` alone. */
const Time = z.iso.datetime().describe("RFC 3339 time, UTC");
const EventType = z.enum(EVENT_TYPES);
const Url = z
  .string()
  .min(1)
  .max(2048)
  .describe(
    "https://, or http:// to loopback unless allowInsecure; link-local and metadata addresses are refused",
  );

export const WebhookParams = z.object({
  project: z.string().min(1).max(255),
  webhook: z.string().min(1).max(64),
});
export const WebhookCollectionParams = z.object({ project: z.string().min(1).max(255) });

export const CreateWebhook = z.strictObject({
  url: Url,
  events: z
    .array(EventType)
    .max(EVENT_TYPES.length)
    .optional()
    .describe("the types it receives; empty or absent: all"),
  enabled: z.boolean().optional(),
  allowInsecure: z
    .boolean()
    .optional()
    .describe("allow plain http:// beyond loopback (the body crosses in clear)"),
  description: z.string().max(1024).optional(),
});

export const UpdateWebhook = z.strictObject({
  url: Url.optional(),
  events: z.array(EventType).max(EVENT_TYPES.length).optional(),
  enabled: z.boolean().optional(),
  allowInsecure: z.boolean().optional(),
  description: z.string().max(1024).optional(),
});

export const Webhook = named(
  "Webhook",
  z.object({
    id: z.string(),
    project: z.string(),
    url: z.string(),
    events: z.array(EventType).describe("empty: every type"),
    enabled: z.boolean(),
    allowInsecure: z.boolean(),
    description: z.string(),
    createdBy: z.string(),
    createdAt: Time,
    updatedAt: Time,
  }),
);

export const WebhookList = named("WebhookList", z.object({ webhooks: z.array(Webhook) }));

export const WebhookCreated = named(
  "WebhookCreated",
  z.object({
    webhook: Webhook,
    secret: z
      .string()
      .describe(
        "the signing secret (whsec_…, Standard Webhooks): shown once, stored sealed, never answered again",
      ),
  }),
);

const Attempt = z.object({
  attempt: z.number().int(),
  at: Time,
  statusCode: z.number().int().nullable().describe("null: no answer (refused, timeout)"),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  nextRetryAt: Time.nullable().describe(
    "when the next attempt is due; null after a success or the last attempt",
  ),
});

export const WebhookDelivery = named(
  "WebhookDelivery",
  z.object({
    id: z.number().int(),
    eventId: z.string(),
    eventType: z.string(),
    state: z.enum(["pending", "delivered", "failed"]),
    createdAt: Time,
    nextAttemptAt: Time.nullable(),
    attempts: z.array(Attempt),
  }),
);

export const WebhookDeliveryList = named(
  "WebhookDeliveryList",
  z.object({ deliveries: z.array(WebhookDelivery) }),
);

export const DeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
