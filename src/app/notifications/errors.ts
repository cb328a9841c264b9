import { PortcullisError } from "../../core/index.js";

/**
 * Codes of notifications: WEBHOOK_URL_REFUSED when a subscription's URL may not be called (scheme,
 * link-local or metadata address, plain HTTP beyond loopback), NOT_FOUND for an unknown webhook,
 * INVALID_ARGUMENT for other bad input. server/errors.ts maps them to 400, 404 and 400.
 */
export type NotificationErrorCode = "WEBHOOK_URL_REFUSED" | "NOT_FOUND" | "INVALID_ARGUMENT";

export class NotificationError extends PortcullisError<NotificationErrorCode> {}
