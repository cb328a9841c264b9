import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../testing.js";
import { IMAGE_ROUTES } from "../images/routes.js";
import { RUNTIME_ROUTES } from "../runtime/openapi.js";
import { IDENTITY_ROUTES } from "./routes.js";
import { type Caller, call, client } from "./testing.js";

const ROOT: Caller = { name: "root", secret: "root password one" };
const runtimeFixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../runtime/testdata/${path}`, import.meta.url), "utf8"));

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is read as plain JSON
type Json = any;

/** The OpenAPI document served by `serve`, checked against the answers the server really gives. */
describe("GET /api/v1/openapi.json", () => {
  let server: TestServer;
  let document: Json;
  let ajv: Ajv2020;

  beforeAll(async () => {
    server = await startTestServer({ database: "sqlite", config: { "auth.mode": "accounts" } });
    await server.platform.identity!.store.createUser({ name: ROOT.name, password: ROOT.secret, admin: true });
    const res = await call(server.url, "GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    document = res.body;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...document, $id: "https://portcullis.invalid/openapi.json" });
  });
  afterAll(async () => server.close());

  const validate = (component: string, value: unknown) => {
    const check = ajv.getSchema(`https://portcullis.invalid/openapi.json#/components/schemas/${component}`);
    if (!check) throw new Error(`no component ${component}`);
    const ok = check(value);
    return ok ? [] : check.errors;
  };

  it("is OpenAPI 3.1 and describes every route once, with its permission", () => {
    expect(document.openapi).toBe("3.1.0");
    const operations = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(
      ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.map((o) => o.op.operationId).sort()).toEqual(
      [...IDENTITY_ROUTES, ...IMAGE_ROUTES, ...RUNTIME_ROUTES].map((r) => r.id).sort(),
    );
    for (const { op } of operations) {
      expect(op.description, op.operationId).toMatch(/Needs|own account|signed-in|Anyone/);
      expect(op["x-portcullis-access"], op.operationId).toBeDefined();
    }
    // Every $ref points at something that exists.
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const path = ref.slice(8, -1).replace(/^#\//, "").split("/");
      let at: Json = document;
      for (const part of path) at = at?.[part];
      expect(at, ref).toBeDefined();
    }
  });

  it("matches what the server answers", async () => {
    const root = client(server.url, ROOT);
    expect(validate("Me", (await root.get("/api/v1/me")).body)).toEqual([]);
    expect(
      validate("Project", (await root.post("/api/v1/projects", { name: "team", public: true })).body),
    ).toEqual([]);
    expect(validate("ProjectList", (await root.get("/api/v1/projects")).body)).toEqual([]);
    const robot = await root.post("/api/v1/projects/team/robots", {
      name: "ci",
      permissions: ["repository.pull"],
    });
    expect(validate("RobotCreated", robot.body)).toEqual([]);
    expect(validate("RobotList", (await root.get("/api/v1/projects/team/robots")).body)).toEqual([]);
    expect(validate("RoleList", (await root.get("/api/v1/roles")).body)).toEqual([]);
    expect(validate("UserCreated", (await root.post("/api/v1/users", { name: "dev" })).body)).toEqual([]);
    expect(validate("UserList", (await root.get("/api/v1/users")).body)).toEqual([]);
    expect(validate("Error", (await root.get("/api/v1/users/nobody")).body)).toEqual([]);
    expect(validate("RepositoryList", (await root.get("/api/v1/repositories")).body)).toEqual([]);
    const alert = await root.post("/api/v1/runtime/falco", runtimeFixture("falco/terminal-shell.json"));
    expect(alert.status, alert.text).toBe(201);
    expect(validate("RuntimeIngestResult", alert.body)).toEqual([]);
    const audit = await root.post("/api/v1/runtime/k8s-audit", runtimeFixture("k8s-audit/eventlist.json"));
    expect(audit.status, audit.text).toBe(201);
    expect(validate("RuntimeIngestResult", audit.body)).toEqual([]);
    // A schema that does not fit is noticed (the check can fail).
    expect(validate("Robot", { name: "x" })).not.toEqual([]);
  });

  it("describes request bodies as the server checks them", async () => {
    const body =
      document.paths["/api/v1/projects/{project}/robots"].post.requestBody.content["application/json"].schema;
    const check = ajv.compile(body);
    expect(check({ name: "ci", permissions: ["repository.pull"] })).toBe(true);
    expect(check({ name: "ci", permissions: ["not.a.permission"] })).toBe(false);
    expect(check({ name: "ci", permissions: ["repository.pull"], extra: 1 })).toBe(false);
  });

  it("describes the runtime routes' bodies as their parsers read them", () => {
    const body = (path: string) =>
      ajv.compile(document.paths[path].post.requestBody.content["application/json"].schema);
    const falco = body("/api/v1/runtime/falco");
    const alert = runtimeFixture("falco/terminal-shell.json");
    expect(falco(alert), JSON.stringify(falco.errors)).toBe(true);
    expect(falco([alert, alert])).toBe(true);
    expect(falco({ output: "no rule, priority or time" })).toBe(false);
    const audit = body("/api/v1/runtime/k8s-audit");
    const list = runtimeFixture("k8s-audit/eventlist.json") as { items: unknown[] };
    expect(audit(list), JSON.stringify(audit.errors)).toBe(true);
    expect(audit({ ...list, kind: "Event" })).toBe(false);
    expect(audit({ ...list, items: [{ verb: "create" }] })).toBe(false);
    for (const path of ["/api/v1/runtime/falco", "/api/v1/runtime/k8s-audit"]) {
      const op = document.paths[path].post;
      expect(op["x-portcullis-access"]).toEqual({ kind: "permission", permission: "runtime.write" });
      expect(op.responses["201"].content["application/json"].schema.$ref).toMatch(/RuntimeIngestResult$/);
    }
  });
});
