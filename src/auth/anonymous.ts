import type { AccessRequest, Authenticator, Authorizer, Identity } from "./types.js";

const ANONYMOUS: Identity = { subject: "anonymous", kind: "anonymous" };

/**
 * Everyone is anonymous and may do everything. Safe only on loopback, which is why `serve`
 * refuses other addresses with this in place unless told `--insecure-public`.
 */
export class AnonymousAccess implements Authenticator, Authorizer {
  async authenticate(): Promise<Identity> {
    return ANONYMOUS;
  }

  async authorize(_identity: Identity, _request: AccessRequest): Promise<boolean> {
    return true;
  }
}
