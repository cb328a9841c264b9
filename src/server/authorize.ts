import type { FastifyRequest } from "fastify";
import type { Platform } from "../app/index.js";
import type { Action } from "../auth/index.js";
import { RegistryError } from "../registry/index.js";

/**
 * The one authentication and authorisation step of every surface (/v2/ and /api/v1/): who is asking
 * (sets request.identity), and may they do `action` on `repository`. `baseOnly` only authenticates.
 */
export async function authorize(
  platform: Platform,
  request: FastifyRequest,
  repository: string | undefined,
  action: Action,
  baseOnly: boolean,
): Promise<void> {
  const identity = await platform.authenticator.authenticate({
    ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
    remoteAddress: request.ip,
  });
  if (!identity) throw new RegistryError("UNAUTHORIZED", "authentication required");
  request.identity = identity;
  if (baseOnly) return;
  const allowed = await platform.authorizer.authorize(identity, {
    action,
    ...(repository ? { repository } : {}),
  });
  if (!allowed)
    throw new RegistryError(
      "DENIED",
      `${identity.subject} may not ${action}${repository ? ` ${repository}` : ""}`,
    );
}
