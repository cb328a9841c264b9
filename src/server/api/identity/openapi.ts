import { z } from "zod";
import { PUBLIC_PROJECT_PERMISSIONS } from "../../../auth/index.js";
import type { Access, IdentityRoute } from "./route.js";

/** What the document reads of a route: the accounts API's and the image API's (api/images/) alike. */
export type DocumentedRoute = Pick<
  IdentityRoute,
  "id" | "method" | "path" | "summary" | "tag" | "access" | "params" | "query" | "body" | "response"
> & {
  readonly status?: 200 | 201 | 202 | 204;
  /** A non-JSON answer's media types (an SBOM document). */
  readonly produces?: readonly string[];
};

import { components } from "./schemas.js";

/**
 * The OpenAPI 3.1 document of the accounts API, generated from the routes' own zod schemas (OpenAPI
 * 3.1 schemas are JSON Schema 2020-12, which `z.toJSONSchema` writes). Response schemas are named
 * components; request bodies and parameters are inline, as the server reads them (`io: "input"`:
 * defaults make a field optional there).
 */
export function openApiDocument(routes: readonly DocumentedRoute[]): Record<string, unknown> {
  const ref = (id: string) => `#/components/schemas/${id}`;
  const generated = z.toJSONSchema(components, { io: "output", uri: ref, target: "draft-2020-12" }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  const schemas = Object.fromEntries(
    Object.entries(generated.schemas).map(([id, schema]) => [id, withoutDialect(schema)]),
  );
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const responseId = r.response ? components.get(r.response)?.id : undefined;
    if (r.response && responseId === undefined)
      throw new Error(`route ${r.id}: its response schema is not a named component (schemas.ts)`);
    const status = String(r.status ?? (r.response || r.produces ? 200 : 204));
    const operation = {
      operationId: r.id,
      summary: r.summary,
      description: accessText(r.access),
      tags: [r.tag],
      "x-portcullis-access": r.access,
      security:
        r.access.kind === "anyone" || r.access.kind === "repository" ? [{}, { basic: [] }] : [{ basic: [] }],
      ...(r.params || r.query
        ? {
            parameters: [
              ...(r.params ? parameters(r.params, "path") : []),
              ...(r.query ? parameters(r.query, "query") : []),
            ],
          }
        : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: inline(r.body) } },
            },
          }
        : {}),
      responses: {
        [status]: r.produces
          ? {
              description: r.summary,
              content: Object.fromEntries(r.produces.map((type) => [type, { schema: {} }])),
            }
          : responseId
            ? {
                description: r.summary,
                content: { "application/json": { schema: { $ref: ref(responseId) } } },
              }
            : { description: "done" },
        ...Object.fromEntries(
          ["400", "401", "403", "404", "409", "429"].map((code) => [
            code,
            { $ref: "#/components/responses/Error" },
          ]),
        ),
      },
    };
    const methods = paths[r.path] ?? {};
    methods[r.method.toLowerCase()] = operation;
    paths[r.path] = methods;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Portcullis API",
      version: "1",
      description:
        "Repositories and images (what the web console shows), users, groups, projects, members, roles, robots and token keys (auth.mode: accounts), and runtime ingestion (Falco alerts, Kubernetes audit events). " +
        "Every check reads one permission table; see docs/permissions.md.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: {
      schemas,
      securitySchemes: {
        basic: {
          type: "http",
          scheme: "basic",
          description: "a user's name and password, or a robot's name (robot$...) and secret",
        },
      },
      responses: {
        Error: {
          description:
            "400 INVALID_ARGUMENT, 401 UNAUTHORIZED (with a Basic challenge), 403 DENIED, 404 NOT_FOUND, 409 CONFLICT, 429 TOOMANYREQUESTS",
          content: { "application/json": { schema: { $ref: ref("Error") } } },
        },
      },
    },
  };
}

/** Who may call a route, in words (the OpenAPI description and docs/permissions.md). */
export function accessText(access: Access): string {
  switch (access.kind) {
    case "permission": {
      const fields = Object.entries(access.byField ?? {}).map(([f, p]) => `\`${f}\` needs \`${p}\``);
      const where = access.project ? " in the project" : "";
      return fields.length === 0
        ? `Needs \`${access.permission}\`${where}.`
        : `Needs \`${access.permission}\`${where} for each field given, but ${fields.join(", ")} instead (a body of only those needs only them).`;
    }
    case "self-or":
      return `One's own account, or \`${access.permission}\`.`;
    case "signed-in":
      return "Any signed-in user or robot.";
    case "anyone":
      return "Anyone, also anonymous; the answer lists only what the caller may read (`project.read`).";
    case "repository": {
      // Only what a public project grants everyone (pull, scan.read) is open to anonymous callers there.
      const open = (PUBLIC_PROJECT_PERMISSIONS as ReadonlySet<string>).has(access.permission);
      return `Needs \`${access.permission}\` on the repository the request names${open ? " (anonymous callers too, in a public project)" : ""}.`;
    }
  }
}

function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _, $id: __, ...rest } = schema;
  return rest;
}

function inline(schema: z.ZodType): Record<string, unknown> {
  return withoutDialect(
    // A check written as code (z.custom: the runtime parsers' bounded maps) is documented as "any".
    z.toJSONSchema(schema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as Record<
      string,
      unknown
    >,
  );
}

function parameters(schema: z.ZodType, where: "path" | "query"): Array<Record<string, unknown>> {
  const object = inline(schema) as { properties?: Record<string, unknown> };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (object as { required?: string[] }).required?.includes(name) === true,
    schema: property,
  }));
}
