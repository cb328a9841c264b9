import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Platform } from "../../../app/index.js";
import {
  AuthError,
  type AuthEventType,
  type Identity,
  type Permission,
  type ProjectPermission,
  type SystemPermission,
} from "../../../auth/index.js";
import { isPortcullisError } from "../../../core/index.js";
import { authenticate, authorize, requireSignedIn } from "../../authorize.js";
import { ServerError } from "../../errors.js";
import type { IdentityServices } from "./services.js";

/**
 * Who may call a route. Declared as data, so the check runs before the handler in one place (the
 * wrapper below, through authorize.ts), the OpenAPI document and docs/permissions.md say it, and the
 * authorization-matrix test reads it.
 *
 * - `permission`: the caller needs it, in the project named by the path parameter `project` when set;
 *   with `byField`, each body field given needs its own permission (see `fieldPermissions`).
 * - `self-or`: the user named by the path parameter `user` acting on their own account, or a holder
 *   of `permission` (a registry bearer token is not "self": it is scoped to repositories).
 * - `signed-in`: any authenticated user or robot.
 * - `anyone`: also anonymous; the answer is filtered by what the caller may see.
 * - `repository`: `permission` on the repository the request names in its body or query (the route's
 *   `repositoryOf`), checked after that input is parsed, as the registry checks a pull.
 *
 * In anonymous mode (no accounts) only routes marked `openMode` answer, and every check passes there
 * (AnonymousAccess: the server is on loopback); `signed-in` counts the anonymous principal as signed in.
 */
export type Access =
  | {
      readonly kind: "permission";
      readonly permission: Permission;
      readonly project?: string;
      /**
       * Body fields (`settings.immutableTags`) that need another permission instead of `permission`:
       * the caller needs, for each field the body gives, the permission named here or else `permission`.
       * Checked once the body is parsed; a body that gives none of its fields needs `permission`.
       */
      readonly byField?: Readonly<Record<string, ProjectPermission>>;
    }
  | { readonly kind: "self-or"; readonly permission: SystemPermission; readonly user: string }
  | { readonly kind: "signed-in" }
  | { readonly kind: "anyone" }
  /** The permission on the repository the request names: its path (`{name}`, server/api/images), or its input. */
  | { readonly kind: "repository"; readonly permission: ProjectPermission };

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteContext<P, Q, B> {
  readonly platform: Platform;
  readonly identity: IdentityServices;
  readonly caller: Identity;
  readonly request: FastifyRequest;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Records an allowed change of this route's event type, with the caller as actor. Never a secret. */
  record(target: string, reason: string): void;
}

/** The context of a route that answers in anonymous mode too: no accounts services there. */
export interface OpenRouteContext<P, Q, B> extends Omit<RouteContext<P, Q, B>, "identity" | "record"> {
  readonly identity: IdentityServices | undefined;
}

/** The parsed input of a request, for `repositoryOf`. */
export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
}

interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  /** The OpenAPI operationId, and `api.<id>` in metrics and request logs. */
  readonly id: string;
  readonly method: Method;
  /** OpenAPI style: `/api/v1/projects/{project}/robots`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  /** The audit event a change records (allowed, and denied with 403). Read-only routes have none. */
  readonly event?: AuthEventType;
  /** Callable while the caller's password is one-time (GET /me, changing one's password). */
  readonly duringPasswordChange?: boolean;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** A named schema of schemas.ts; undefined for 204 No Content. */
  readonly response?: R;
  readonly status?: 200 | 201 | 202 | 204;
  /** With `access.kind: "repository"`: the repository the parsed input names (throw a 4xx error if none). */
  repositoryOf?(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): string;
  /**
   * Registered by another module (its handler predates this list): described in the OpenAPI document
   * and walked by the matrix, not registered here.
   */
  readonly external?: true;
  handle(context: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<z.input<R> | undefined>;
}

interface OpenRouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>
  extends Omit<RouteSpec<P, Q, B, R>, "handle" | "event"> {
  handle(context: OpenRouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<z.input<R> | undefined>;
}

/** A route with its types erased, as the list, the wrapper and the OpenAPI writer see it. */
export interface IdentityRoute {
  readonly id: string;
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  readonly event?: AuthEventType;
  readonly duringPasswordChange?: boolean;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response?: z.ZodType;
  readonly status?: 200 | 201 | 202 | 204;
  /** Answers in anonymous mode too (openRoute). */
  readonly openMode?: true;
  /** A non-JSON answer's media types (an external text/plain route), for the OpenAPI document. */
  readonly produces?: readonly string[];
  readonly external?: true;
  repositoryOf?(input: RouteInput<unknown, unknown, unknown>): string;
  handle(context: RouteContext<unknown, unknown, unknown>): Promise<unknown>;
}

export function route<
  P extends z.ZodType = z.ZodObject<Record<string, never>>,
  Q extends z.ZodType = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B, R>): IdentityRoute {
  return spec as unknown as IdentityRoute;
}

/** A route that answers in anonymous mode too (the console's system, log, policy and advisory pages). */
export function openRoute<
  P extends z.ZodType = z.ZodObject<Record<string, never>>,
  Q extends z.ZodType = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodUndefined,
>(spec: OpenRouteSpec<P, Q, B, R>): IdentityRoute {
  return { ...spec, openMode: true } as unknown as IdentityRoute;
}

/** One issue per line, `path: message`; zod's messages never hold the input, so no secret leaks. */
function describeIssues(where: string, error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  return `${where}: ${issues.join("; ")}`;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return {};
  const result = schema.safeParse(value);
  if (!result.success) throw new ServerError("INVALID_ARGUMENT", describeIssues(where, result.error));
  return result.data;
}

async function checkAccess(
  platform: Platform,
  request: FastifyRequest,
  access: Access,
  params: Record<string, string>,
): Promise<void> {
  switch (access.kind) {
    case "permission": {
      const project = access.project === undefined ? undefined : params[access.project];
      await authorize(platform, request, undefined, access.permission, false, project ? { project } : {});
      return;
    }
    case "self-or": {
      const caller = await authenticate(platform, request);
      request.identity = caller;
      const self = caller.kind === "user" && caller.via !== "token" && caller.subject === params[access.user];
      if (!self) await authorize(platform, request, undefined, access.permission, false);
      return;
    }
    case "signed-in":
      // Without accounts there is nobody to sign in as: the open mode's one principal may do everything.
      if (platform.identity) await requireSignedIn(platform, request);
      else request.identity = await authenticate(platform, request);
      return;
    case "anyone":
      request.identity = await authenticate(platform, request);
      return;
    case "repository":
      // Checked by run() once the input naming the repository is parsed (server/api/images checks
      // the path's repository in its own run()).
      return;
  }
}

/** The body's fields a `byField` map can name: top-level keys, and `key.sub` inside a named object. */
function givenFields(body: unknown, byField: Readonly<Record<string, ProjectPermission>>): string[] {
  if (typeof body !== "object" || body === null) return [];
  const fields: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    const nested = Object.keys(byField).some((field) => field.startsWith(`${key}.`));
    if (nested && typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const sub of Object.keys(value)) fields.push(`${key}.${sub}`);
    } else {
      fields.push(key);
    }
  }
  return fields;
}

/**
 * The permissions a parsed body needs under a `byField` access: each given field's own, or the route's
 * `permission` for fields the map does not name. Never empty: a body that changes nothing still needs
 * `permission` (fail closed).
 */
export function fieldPermissions(
  access: Extract<Access, { kind: "permission" }>,
  body: unknown,
): Permission[] {
  const byField = access.byField ?? {};
  const needed = new Set<Permission>(givenFields(body, byField).map((f) => byField[f] ?? access.permission));
  if (needed.size === 0) needed.add(access.permission);
  return [...needed];
}

/** The query and body, parsed through the route's schemas (400 INVALID_ARGUMENT naming the issue). */
function readInput(
  route: IdentityRoute,
  request: FastifyRequest,
  params: Record<string, string>,
): RouteInput<Record<string, string>, unknown, unknown> {
  const query = parse(route.query, request.query, "query");
  if (route.body && request.body === undefined) {
    throw new ServerError(
      "INVALID_ARGUMENT",
      "this endpoint takes a JSON body (Content-Type: application/json)",
    );
  }
  const body = route.body ? parse(route.body, request.body, "body") : undefined;
  return { params, query, body };
}

/** The target a denied change names in the audit log: the path's own names. */
function deniedTarget(route: IdentityRoute, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? name);
}

async function run(
  route: IdentityRoute,
  platform: Platform,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  request.routeName = `api.${route.id}`;
  const identity = platform.identity;
  if (!identity && !route.openMode) {
    throw new ServerError(
      "NOT_FOUND",
      "accounts are off on this server (auth.mode is anonymous); set auth.mode: accounts to manage users, projects and robots",
    );
  }
  const params = parse(route.params, request.params, "path") as Record<string, string>;
  try {
    // A repository route's check needs the input that names the repository, a by-field check the
    // fields the body gives: read it first.
    const byInput =
      route.access.kind === "repository" || (route.access.kind === "permission" && !!route.access.byField);
    let input = byInput ? readInput(route, request, params) : undefined;
    if (route.access.kind === "permission" && route.access.byField) {
      const project = route.access.project === undefined ? undefined : params[route.access.project];
      for (const permission of fieldPermissions(route.access, input!.body)) {
        await authorize(platform, request, undefined, permission, false, project ? { project } : {});
      }
    } else if (route.access.kind === "repository") {
      if (!route.repositoryOf) throw new Error(`route ${route.id}: repository access without repositoryOf`);
      const repository = route.repositoryOf(input!);
      request.logRepository = repository;
      await authorize(platform, request, repository, route.access.permission, false);
    } else {
      await checkAccess(platform, request, route.access, params);
    }
    const caller = request.identity;
    if (identity && caller.kind === "user" && caller.id !== undefined && !route.duringPasswordChange) {
      const user = await identity.store.userById(caller.id);
      if (user?.mustChangePassword) {
        throw new AuthError(
          "DENIED",
          `${caller.subject} has a one-time password: change it first (portcullis user passwd)`,
        );
      }
    }
    input ??= readInput(route, request, params);
    const { query, body } = input;
    const result = await route.handle({
      platform,
      // Undefined only for open routes, whose handlers are typed for it (OpenRouteContext).
      identity: identity as IdentityServices,
      caller,
      request,
      params,
      query,
      body,
      record: (target, reason) =>
        identity?.record({
          type: route.event ?? "user.changed",
          actor: caller.subject,
          target,
          outcome: "allow",
          reason,
          address: request.ip,
        }),
    });
    return send(route, reply, result);
  } catch (err) {
    // A refused change is recorded too: who tried to change what, and why it was refused.
    if (route.event && isPortcullisError(err) && err.code === "DENIED") {
      identity?.record({
        type: route.event,
        actor: request.identity.subject,
        target: deniedTarget(route, params),
        outcome: "deny",
        reason: `${route.method} ${route.path}: ${err.message}`,
        address: request.ip,
      });
    }
    throw err;
  }
}

function send(route: IdentityRoute, reply: FastifyReply, result: unknown): FastifyReply {
  if (route.status === 204 || !route.response) return reply.code(204).send();
  // The response schema drops whatever it does not name: hashes and ids never leave by accident.
  const answer = route.response.parse(result);
  return reply
    .code(route.status ?? 200)
    .type("application/json")
    .send(answer);
}

/** Fastify's `:name` for an OpenAPI `{name}`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/**
 * Registers routes in their own encapsulated context, the only one that parses JSON bodies (at most
 * 64 KiB): /v2/ keeps reading manifest bodies as streams. A body that is not JSON is refused without
 * echoing it (V8's parse error quotes the text, which could be a password).
 */
export function registerRoutes(
  app: FastifyInstance,
  platform: Platform,
  routes: readonly IdentityRoute[],
): void {
  app.register(async (scope) => {
    scope.addContentTypeParser(
      "application/json",
      { parseAs: "string", bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        try {
          done(null, body === "" ? undefined : JSON.parse(body as string));
        } catch {
          done(new ServerError("INVALID_ARGUMENT", "the request body is not valid JSON"), undefined);
        }
      },
    );
    for (const r of routes) {
      if (r.external) continue;
      scope.route({
        method: r.method,
        url: fastifyPath(r.path),
        handler: (request, reply) => run(r, platform, request, reply),
      });
    }
  });
}
