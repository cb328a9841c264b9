import { z } from "zod";
import { PortcullisError } from "../core/index.js";
import { accountsApi as api, recordApi, replicationApi, webhooksApi } from "../server/index.js";

/**
 * An error answer of the API, with the server's code (INVALID_ARGUMENT, DENIED, NOT_FOUND, CONFLICT,
 * UNAUTHORIZED, ...) as the code: failure.ts makes INVALID_ARGUMENT a usage error (exit 2) and the
 * rest 1. UNREACHABLE and BAD_ANSWER are the client's own.
 */
export class ApiError extends PortcullisError<string> {}

export interface Credentials {
  readonly username: string;
  readonly secret: string;
}

type Wire<T extends z.ZodType> = z.output<T>;
export type User = Wire<typeof api.User>;
export type Project = Wire<typeof api.Project>;
export type Member = Wire<typeof api.Member>;
export type Role = Wire<typeof api.Role>;
export type Robot = Wire<typeof api.Robot>;
export type Me = Wire<typeof api.Me>;
export type Group = Wire<typeof api.Group>;
export type RobotCreated = Wire<typeof api.RobotCreated>;
export type UserCreated = Wire<typeof api.UserCreated>;
export type Retention = Wire<typeof api.Retention>;
/** PATCH's settings: the keys given are set, a key given as null is removed. */
export type SettingsPatch = z.input<typeof api.ProjectSettingsPatchInput>;
export type RetentionRun = Wire<typeof api.RetentionRunResult>;
export type RotatedKey = Wire<typeof api.RotatedKey>;
export type TimelinePage = Wire<typeof recordApi.TimelineAnswer>;
export type Webhook = Wire<typeof webhooksApi.Webhook>;
export type WebhookCreated = Wire<typeof webhooksApi.WebhookCreated>;
export type WebhookDelivery = Wire<typeof webhooksApi.WebhookDelivery>;
export type ReplicationRule = Wire<typeof replicationApi.ReplicationRule>;
export type ReplicationRun = Wire<typeof replicationApi.ReplicationRun>;
/** A replication rule as sent: the server applies the defaults and names what it refuses. */
export type ReplicationRuleRequest = z.input<typeof replicationApi.ReplicationRuleBody>;

/** A webhook to create (server checks the URL and event types, and names what it refuses). */
export interface WebhookRequest {
  readonly url: string;
  readonly events?: readonly string[];
  readonly allowInsecure?: boolean;
  readonly enabled?: boolean;
  readonly description?: string;
}

/**
 * A robot to create: `permissions` (and `repositories`) for a project robot, `grants` for a system
 * robot. Permission names are checked by the server, which names a wrong one.
 */
export interface RobotRequest {
  readonly name: string;
  readonly description?: string;
  readonly permissions?: readonly string[];
  readonly repositories?: readonly string[];
  readonly grants?: ReadonlyArray<{
    project: string;
    permissions: readonly string[];
    repositories?: readonly string[];
  }>;
  readonly systemPermissions?: readonly string[];
  readonly expiresAt?: string | null;
  readonly expiresIn?: string;
}

const seg = encodeURIComponent;

/** The audit log's entries as GET /api/v1/audit/decisions answers them (unpaged): what the CLI prints. */
const AuditDecisions = z.object({
  decisions: z.array(
    z.looseObject({
      at: z.number(),
      gate: z.string(),
      effect: z.string(),
      mode: z.string(),
      image: z.string(),
      reason: z.string(),
      actor: z.string().optional(),
      caller: z.string().optional(),
      namespace: z.string().optional(),
      workload: z.string().optional(),
      breakGlass: z.unknown().optional(),
    }),
  ),
});
export type AuditDecision = z.output<typeof AuditDecisions>["decisions"][number];

/**
 * The accounts API over HTTP, as the CLI uses it: one method per call, Basic credentials, and every
 * answer checked against the server's own response schemas (a server of another version says so
 * rather than printing half a table).
 */
export class ApiClient {
  constructor(
    readonly server: string,
    private readonly credentials?: Credentials,
  ) {}

  async request<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T | undefined,
    body?: unknown,
  ): Promise<z.output<T>> {
    const { res, text } = await this.send(method, path, "application/json", body);
    if (!schema) return undefined as z.output<T>;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      throw new ApiError(
        "BAD_ANSWER",
        `${this.server} answered ${method} ${path} with something else than the accounts API's answer (HTTP ${res.status}): is it a Portcullis server of this version?`,
      );
    }
    return result.data;
  }

  /** A GET whose answer is text/plain (the record's signed checkpoint and its key). */
  async text(path: string): Promise<string> {
    return (await this.send("GET", path, "text/plain")).text;
  }

  private async send(
    method: string,
    path: string,
    accept: string,
    body?: unknown,
  ): Promise<{ res: Response; text: string }> {
    const headers: Record<string, string> = { accept };
    if (this.credentials) {
      const { username, secret } = this.credentials;
      headers.authorization = `Basic ${Buffer.from(`${username}:${secret}`).toString("base64")}`;
    }
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${this.server}${path}`, {
        method,
        headers,
        redirect: "error",
        signal: AbortSignal.timeout(60_000),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const cause = (err as { cause?: { message?: string; code?: string } }).cause;
      throw new ApiError(
        "UNREACHABLE",
        `cannot reach ${this.server}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
    const text = await res.text();
    if (!res.ok) throw this.failure(res.status, text);
    return { res, text };
  }

  private failure(status: number, text: string): ApiError {
    let code = `HTTP_${status}`;
    let message = `HTTP ${status}`;
    try {
      const first = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors?.[0];
      if (first?.code) code = first.code;
      if (first?.message) message = first.message;
    } catch {
      // not our error shape (a proxy's page): keep the status
    }
    if (status === 401) {
      message = `${message} (${this.credentials ? `the server refused ${this.credentials.username}'s credentials; log in again` : "log in first"} with \`portcullis login ${this.server}\`)`;
    }
    return new ApiError(code, message);
  }

  // Audit ------------------------------------------------------------------------------------------
  /** The newest entries (oldest first) the caller may read, narrowed by `query` (project, gate, ...). */
  auditDecisions(query: Readonly<Record<string, string>>) {
    return this.request("GET", `/api/v1/audit/decisions?${new URLSearchParams(query)}`, AuditDecisions);
  }

  /** One page of a timeline (GET /api/v1/audit/timeline). */
  auditTimeline(query: Readonly<Record<string, string>>) {
    return this.request(
      "GET",
      `/api/v1/audit/timeline?${new URLSearchParams(query)}`,
      recordApi.TimelineAnswer,
    );
  }

  // Who am I --------------------------------------------------------------------------------------
  me() {
    return this.request("GET", "/api/v1/me", api.Me);
  }

  // Users and groups -----------------------------------------------------------------------------
  listUsers() {
    return this.request("GET", "/api/v1/users", api.UserList);
  }
  createUser(body: { name: string; password?: string; email?: string; admin?: boolean }) {
    return this.request("POST", "/api/v1/users", api.UserCreated, body);
  }
  changePassword(user: string, body: { password: string; currentPassword?: string }) {
    return this.request("PUT", `/api/v1/users/${seg(user)}/password`, undefined, body);
  }
  setUserDisabled(user: string, disabled: boolean) {
    return this.request("POST", `/api/v1/users/${seg(user)}/${disabled ? "disable" : "enable"}`, undefined);
  }
  setAdmin(user: string, admin: boolean) {
    return this.request("PUT", `/api/v1/users/${seg(user)}/admin`, undefined, { admin });
  }
  deleteUser(user: string) {
    return this.request("DELETE", `/api/v1/users/${seg(user)}`, undefined);
  }
  listGroups() {
    return this.request("GET", "/api/v1/groups", api.GroupList);
  }
  createGroup(name: string) {
    return this.request("POST", "/api/v1/groups", api.Group, { name });
  }
  deleteGroup(name: string) {
    return this.request("DELETE", `/api/v1/groups/${seg(name)}`, undefined);
  }
  setGroupMember(group: string, user: string, member: boolean) {
    return this.request(
      member ? "PUT" : "DELETE",
      `/api/v1/groups/${seg(group)}/members/${seg(user)}`,
      undefined,
    );
  }

  // Projects and members -------------------------------------------------------------------------
  listProjects() {
    return this.request("GET", "/api/v1/projects", api.ProjectList);
  }
  createProject(body: {
    name: string;
    public?: boolean;
    settings?: z.input<typeof api.ProjectSettingsInput>;
  }) {
    return this.request("POST", "/api/v1/projects", api.Project, body);
  }
  getProject(name: string) {
    return this.request("GET", `/api/v1/projects/${seg(name)}`, api.Project);
  }
  updateProject(name: string, body: { public?: boolean; settings?: SettingsPatch }) {
    return this.request("PATCH", `/api/v1/projects/${seg(name)}`, api.Project, body);
  }
  deleteProject(name: string) {
    return this.request("DELETE", `/api/v1/projects/${seg(name)}`, undefined);
  }
  getRetention(project: string) {
    return this.request("GET", `/api/v1/projects/${seg(project)}/retention`, api.Retention);
  }
  setRetention(project: string, body: z.input<typeof api.Retention>) {
    return this.request("PUT", `/api/v1/projects/${seg(project)}/retention`, api.Retention, body);
  }
  runRetention(project: string, dryRun: boolean) {
    return this.request(
      "POST",
      `/api/v1/projects/${seg(project)}/retention/run?dryRun=${dryRun}`,
      api.RetentionRunResult,
    );
  }
  listMembers(project: string) {
    return this.request("GET", `/api/v1/projects/${seg(project)}/members`, api.MemberList);
  }
  addMember(
    project: string,
    body: { kind: "user" | "group"; name: string; role: string; repositories?: string[] },
  ) {
    return this.request("POST", `/api/v1/projects/${seg(project)}/members`, api.Member, body);
  }
  setMemberRole(project: string, id: number, role: string) {
    return this.request("PUT", `/api/v1/projects/${seg(project)}/members/${id}`, api.Member, { role });
  }
  removeMember(project: string, id: number) {
    return this.request("DELETE", `/api/v1/projects/${seg(project)}/members/${id}`, undefined);
  }

  // Roles ----------------------------------------------------------------------------------------
  listRoles() {
    return this.request("GET", "/api/v1/roles", api.RoleList);
  }
  createRole(body: { name: string; description?: string; permissions: string[] }) {
    return this.request("POST", "/api/v1/roles", api.Role, body);
  }
  deleteRole(name: string) {
    return this.request("DELETE", `/api/v1/roles/${seg(name)}`, undefined);
  }

  // Robots: a project's (project given) or system robots -----------------------------------------
  private robots(project: string | undefined): string {
    return project === undefined ? "/api/v1/robots" : `/api/v1/projects/${seg(project)}/robots`;
  }
  listRobots(project?: string) {
    return this.request("GET", this.robots(project), api.RobotList);
  }
  createRobot(project: string | undefined, body: RobotRequest) {
    return this.request("POST", this.robots(project), api.RobotCreated, body);
  }
  rotateRobot(project: string | undefined, name: string) {
    return this.request("POST", `${this.robots(project)}/${seg(name)}/rotate`, api.RobotSecret);
  }
  revokeRobot(project: string | undefined, name: string) {
    return this.request("POST", `${this.robots(project)}/${seg(name)}/revoke`, undefined);
  }
  deleteRobot(project: string | undefined, name: string) {
    return this.request("DELETE", `${this.robots(project)}/${seg(name)}`, undefined);
  }

  // Replication rules (system.config) ---------------------------------------------------------------
  listReplicationRules() {
    return this.request("GET", "/api/v1/replication/rules", replicationApi.ReplicationRuleList);
  }
  getReplicationRule(rule: string) {
    return this.request("GET", `/api/v1/replication/rules/${seg(rule)}`, replicationApi.ReplicationRule);
  }
  createReplicationRule(body: ReplicationRuleRequest) {
    return this.request("POST", "/api/v1/replication/rules", replicationApi.ReplicationRule, body);
  }
  deleteReplicationRule(rule: string) {
    return this.request("DELETE", `/api/v1/replication/rules/${seg(rule)}`, undefined);
  }
  runReplicationRule(rule: string) {
    return this.request("POST", `/api/v1/replication/rules/${seg(rule)}/run`, replicationApi.ReplicationRun);
  }
  replicationRuns(rule: string, limit?: number) {
    const query = limit === undefined ? "" : `?limit=${limit}`;
    return this.request(
      "GET",
      `/api/v1/replication/rules/${seg(rule)}/runs${query}`,
      replicationApi.ReplicationRunList,
    );
  }
  replicationRun(id: number) {
    return this.request("GET", `/api/v1/replication/runs/${id}`, replicationApi.ReplicationRun);
  }

  // A project's webhooks (webhook.read, webhook.write) --------------------------------------------
  private webhooks(project: string): string {
    return `/api/v1/projects/${seg(project)}/webhooks`;
  }
  listWebhooks(project: string) {
    return this.request("GET", this.webhooks(project), webhooksApi.WebhookList);
  }
  createWebhook(project: string, body: WebhookRequest) {
    return this.request("POST", this.webhooks(project), webhooksApi.WebhookCreated, body);
  }
  deleteWebhook(project: string, id: string) {
    return this.request("DELETE", `${this.webhooks(project)}/${seg(id)}`, undefined);
  }
  testWebhook(project: string, id: string) {
    return this.request("POST", `${this.webhooks(project)}/${seg(id)}/test`, webhooksApi.WebhookDelivery);
  }
  webhookDeliveries(project: string, id: string, limit?: number) {
    const query = limit === undefined ? "" : `?limit=${limit}`;
    return this.request(
      "GET",
      `${this.webhooks(project)}/${seg(id)}/deliveries${query}`,
      webhooksApi.WebhookDeliveryList,
    );
  }

  // The token service's signing key (system.config) ---------------------------------------------
  rotateSigningKey() {
    return this.request("POST", "/api/v1/keys/rotate", api.RotatedKey);
  }
}
