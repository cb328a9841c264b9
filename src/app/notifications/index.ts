export { NotificationError, type NotificationErrorCode } from "./errors.js";
export { type CloudEvent, EVENT_TYPES, type EventType, isEventType, type Notice } from "./events.js";
export { NotificationMetrics } from "./metrics.js";
export { SecretBox } from "./sealed.js";
export {
  backoffMs,
  DEFAULT_RETRY,
  type NewWebhook,
  Notifications,
  type NotificationsOptions,
  type RetryPolicy,
} from "./service.js";
export { SECRET_PREFIX, signDelivery, verifyDelivery } from "./signature.js";
export { type NotificationSources, notificationSources, type RuntimeAlert } from "./sources.js";
export type { Attempt, Delivery, DeliveryState, Webhook } from "./store.js";
export { WebhookStore } from "./store.js";
export { refusedAddress, refusedUrl } from "./target.js";
