import { z } from "zod";
import { auditEventListSchema, falcoBodySchema } from "../../../runtime/index.js";
import type { DocumentedRoute } from "../identity/openapi.js";
import { named } from "../identity/schemas.js";

/** What both runtime routes answer (app/runtime-ingest.ts RuntimeIngestResult), 201. */
export const RuntimeIngestResult = named(
  "RuntimeIngestResult",
  z.object({
    stored: z.number().int().describe("events appended to the record"),
    withDigest: z.number().int().describe("of those, how many name an image digest"),
    skipped: z.number().int().describe("audit items read and not recorded"),
    indexes: z
      .object({ first: z.number().int(), last: z.number().int() })
      .optional()
      .describe("leaf indexes of the appended events; absent when nothing was stored"),
  }),
);

const access = { kind: "permission", permission: "runtime.write" } as const;

/**
 * The runtime routes (routes.ts, registered by hand: their bodies are parsed a slice per turn, not by
 * a route table) as the OpenAPI document describes them. The body schemas are the parsers' own.
 */
export const RUNTIME_ROUTES: readonly DocumentedRoute[] = [
  {
    id: "ingestFalco",
    method: "POST",
    path: "/api/v1/runtime/falco",
    summary: "Record Falco alerts (Falco http_output or a falcosidekick webhook): one alert or a list",
    tag: "runtime",
    access,
    body: falcoBodySchema,
    response: RuntimeIngestResult,
    status: 201,
  },
  {
    id: "ingestK8sAudit",
    method: "POST",
    path: "/api/v1/runtime/k8s-audit",
    summary: "Record a Kubernetes API server audit webhook batch (an audit.k8s.io/v1 EventList)",
    tag: "runtime",
    access,
    body: auditEventListSchema,
    response: RuntimeIngestResult,
    status: 201,
  },
];
