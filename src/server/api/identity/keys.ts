import { AuthError } from "../../../auth/index.js";
import { type IdentityRoute, route } from "./route.js";
import { RotatedKey } from "./schemas.js";

/** The token service's signing key. Its public halves are at /token/jwks; the private half never leaves. */
export const KEY_ROUTES: readonly IdentityRoute[] = [
  route({
    id: "rotateSigningKey",
    method: "POST",
    path: "/api/v1/keys/rotate",
    summary:
      "Start signing registry tokens with a new key; tokens signed by the old one verify until they expire",
    tag: "keys",
    access: { kind: "permission", permission: "system.config" },
    event: "key.rotated",
    response: RotatedKey,
    handle: async ({ identity, record }) => {
      if (identity.config.token.signingKeyFile) {
        throw new AuthError(
          "INVALID",
          "tokens are signed with auth.token.signingKeyFile: rotate by replacing that file and restarting",
        );
      }
      const kid = await identity.keys.rotate();
      record(`key:${kid}`, "token signing key rotated");
      return { kid };
    },
  }),
];
