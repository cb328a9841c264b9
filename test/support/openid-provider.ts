/**
 * A real OpenID provider for tests that sign in (the npm package oidc-provider, an OpenID-certified
 * server): one confidential client with the authorization code flow and PKCE required, on 127.0.0.1,
 * its development login pages accepting any account name. The SSO tests (src/server/auth/oidc.test.ts)
 * and the doc tests' scripted browser (doctest-sso.ts) sign in against it.
 */
import type { Server } from "node:http";
import Provider from "oidc-provider";
import { freePort } from "./targets.js";

export interface OpenIdProvider {
  /** `http://127.0.0.1:PORT`: the issuer, and where the provider listens. */
  readonly issuer: string;
  close(): Promise<void>;
}

export interface OpenIdProviderOptions {
  /** Where to listen (a free port when not given): the issuer URL holds it. */
  readonly port?: number;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  /** Which claims each scope releases; by default `openid` sub, `profile` preferred_username, `email` email. */
  readonly scopes?: Readonly<Record<string, readonly string[]>>;
  /** The claims of the account signed in as `id` (the name typed at the provider's login page). */
  readonly claims: (id: string) => Record<string, unknown>;
}

const DEFAULT_SCOPES = { openid: ["sub"], profile: ["preferred_username"], email: ["email"] };

export async function startOpenIdProvider(options: OpenIdProviderOptions): Promise<OpenIdProvider> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: options.scopes ?? DEFAULT_SCOPES,
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => options.claims(id),
    }),
    // The ID token carries the claims themselves (Portcullis reads the user and groups from it).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = provider.listen(port, "127.0.0.1", () => resolve(s));
  });
  return {
    issuer,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
