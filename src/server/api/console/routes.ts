import type { IdentityRoute } from "../identity/route.js";
import { ADVISORY_ROUTES } from "./advisories.js";
import { DECISION_ROUTES } from "./decisions.js";
import { POLICY_ROUTES } from "./policies.js";
import { SYSTEM_ROUTES } from "./system.js";

/**
 * The console's routes beside the accounts API (issue 14): system information, the decision log and its
 * chain, policies and the advisory database. Every one answers in anonymous mode too (openRoute).
 */
export const CONSOLE_ROUTES: readonly IdentityRoute[] = [
  ...SYSTEM_ROUTES,
  ...DECISION_ROUTES,
  ...POLICY_ROUTES,
  ...ADVISORY_ROUTES,
];
