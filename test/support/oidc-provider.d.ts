// oidc-provider ships no type declarations; the tests use it as the real OpenID provider they sign in
// against, through this small surface.
declare module "oidc-provider" {
  import type { Server } from "node:http";
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number, host: string, callback: () => void): Server;
  }
}
