import { z } from "zod";

/**
 * OpenVEX documents (https://github.com/openvex/spec, OPENVEX-SPEC.md v0.2.0), also reading the
 * v0.0.1 shapes still in circulation: a vulnerability given as a bare string, products as bare
 * ids. Fields we do not use pass through.
 */

export const VEX_STATUSES = ["not_affected", "affected", "fixed", "under_investigation"] as const;

export const VEX_JUSTIFICATIONS = [
  "component_not_present",
  "vulnerable_code_not_present",
  "vulnerable_code_not_in_execute_path",
  "vulnerable_code_cannot_be_controlled_by_adversary",
  "inline_mitigations_already_exist",
] as const;

const identifiers = z.object({
  purl: z.string().optional(),
  cpe22: z.string().optional(),
  cpe23: z.string().optional(),
});

const component = z.union([
  z.string().min(1),
  z.object({ "@id": z.string().min(1).optional(), identifiers: identifiers.optional() }),
]);

const product = z.union([
  z.string().min(1),
  z.object({
    "@id": z.string().min(1).optional(),
    identifiers: identifiers.optional(),
    subcomponents: z.array(component).optional(),
  }),
]);

const vulnerability = z.union([
  z.string().min(1),
  z.object({
    "@id": z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    aliases: z.array(z.string()).optional(),
  }),
]);

const statement = z
  .object({
    "@id": z.string().optional(),
    vulnerability,
    products: z.array(product).min(1, "a statement needs at least one product"),
    subcomponents: z.array(component).optional(),
    status: z.enum(VEX_STATUSES),
    justification: z.enum(VEX_JUSTIFICATIONS).optional(),
    impact_statement: z.string().optional(),
    action_statement: z.string().optional(),
    status_notes: z.string().optional(),
    timestamp: z.string().optional(),
  })
  .refine(
    (s) => s.status !== "not_affected" || s.justification !== undefined || s.impact_statement !== undefined,
    "a not_affected statement needs a justification or an impact_statement",
  );

export const openVexSchema = z.object({
  "@context": z.string().startsWith("https://openvex.dev/ns", "not an OpenVEX @context"),
  "@id": z.string().optional(),
  author: z.string().optional(),
  timestamp: z.string().optional(),
  version: z.union([z.number(), z.string()]).optional(),
  statements: z.array(statement),
});

export type OpenVexDocument = z.infer<typeof openVexSchema>;
export type OpenVexStatement = z.infer<typeof statement>;
export type OpenVexProduct = z.infer<typeof product>;
export type OpenVexComponent = z.infer<typeof component>;
