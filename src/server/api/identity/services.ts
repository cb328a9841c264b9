import type { Platform } from "../../../app/index.js";

/** The accounts-mode services the routes run on (present whenever a route's handler runs). */
export type IdentityServices = NonNullable<Platform["identity"]>;
