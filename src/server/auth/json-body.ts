import type { FastifyRequest } from "fastify";
import { ServerError } from "../errors.js";

/** A small JSON object from a request this server left unparsed (the registry's routes need raw bodies). */
export async function jsonBody(request: FastifyRequest): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of request.raw) {
    text += chunk;
    if (text.length > 16 * 1024) throw new ServerError("INVALID_ARGUMENT", "the request body is too large");
  }
  try {
    const value = JSON.parse(text || "{}") as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {}
  throw new ServerError("INVALID_ARGUMENT", "the request body must be a JSON object");
}
