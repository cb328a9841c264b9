export { AnonymousAccess } from "./anonymous.js";
export type { AccessRequest, Action, Authenticator, Authorizer, Credentials, Identity } from "./types.js";
