/**
 * Identity and access (issue 13): the permission check with 10,000 repositories and 1,000 grants, and
 * registry tokens issued per second on one core (grant + ES256 signature), in-process on SQLite.
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import {
  AccessControl,
  AccountStore,
  grantScopes,
  type Identity,
  KeyRing,
  TokenService,
} from "../src/auth/index.js";
import { openDatabase } from "../src/storage/index.js";

export interface AuthBenchResult {
  readonly repositories: number;
  readonly grants: number;
  readonly checks: number;
  readonly checkMicros: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly tokensPerSecond: number;
  readonly tokenSeconds: number;
  /** The machine's 1-minute load average when the run ended (other work inflates the tail). */
  readonly load: number;
}

/** A seeded generator (mulberry32): the same grants and checks every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function benchAuth(log: (line: string) => void): Promise<AuthBenchResult> {
  const database = await openDatabase(":memory:");
  try {
    const store = new AccountStore(database);
    const next = random(13);
    const projects = 100;
    const perProject = 100;
    const repositories = projects * perProject;
    log(`auth: ${projects} projects, ${repositories} repositories, 1,000 grants`);
    for (let p = 0; p < projects; p++) await store.createProject({ name: `p${p}` });
    const users: Identity[] = [];
    for (let u = 0; u < 200; u++) {
      // One password hash is enough: the check never looks at it.
      const user = await store.createUser({ name: `u${u}` });
      users.push({ subject: user.name, kind: "user", id: user.id, via: "password" });
    }
    const roles = ["limited-guest", "guest", "developer", "maintainer", "project-admin"];
    for (let g = 0; g < 1000; g++) {
      const narrowed = next() < 0.3;
      await store.addMember({
        project: `p${Math.floor(next() * projects)}`,
        kind: "user",
        name: `u${Math.floor(next() * users.length)}`,
        role: roles[Math.floor(next() * roles.length)]!,
        ...(narrowed ? { repositories: [`r${Math.floor(next() * 10)}*`] } : {}),
      });
    }
    const access = new AccessControl(store, { revisionCheckMs: 60_000 });
    const actions = ["pull", "push", "delete"] as const;
    await access.authorize(users[0]!, { action: "pull", repository: "p0/r0" });
    const checks = 200_000;
    const samples = new Float64Array(checks);
    for (let i = 0; i < checks; i++) {
      const identity = users[Math.floor(next() * users.length)]!;
      const repository = `p${Math.floor(next() * projects)}/r${Math.floor(next() * perProject)}`;
      const action = actions[Math.floor(next() * actions.length)]!;
      const started = process.hrtime.bigint();
      await access.authorize(identity, { action, repository });
      samples[i] = Number(process.hrtime.bigint() - started) / 1000;
    }
    samples.sort();
    const at = (p: number) => samples[Math.min(checks - 1, Math.floor(p * checks))]!;

    const keys = new KeyRing(database.db, randomBytes(32), { keepRetiredMs: 600_000 });
    const tokens = new TokenService(keys, { issuer: "portcullis", service: "portcullis", ttlMs: 300_000 });
    const robot = await store.createRobot({
      name: "ci",
      project: "p1",
      grants: [{ project: "p1", repositories: ["*"], permissions: ["repository.pull", "repository.push"] }],
      createdBy: "bench",
    });
    const identity: Identity = {
      subject: robot.robot.name,
      kind: "robot",
      id: robot.robot.id,
      via: "secret",
    };
    const scope = [{ type: "repository", name: "p1/r1", actions: ["pull", "push"] }];
    await tokens.issue(identity.subject, await grantScopes(access, identity, scope));
    log("auth: issuing tokens for 3 s");
    let issued = 0;
    const started = performance.now();
    while (performance.now() - started < 3000) {
      await tokens.issue(identity.subject, await grantScopes(access, identity, scope));
      issued++;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      repositories,
      grants: 1000,
      checks,
      checkMicros: { p50: at(0.5), p99: at(0.99), max: samples[checks - 1]! },
      tokensPerSecond: issued / seconds,
      tokenSeconds: seconds,
      load: loadavg()[0]!,
    };
  } finally {
    await database.close();
  }
}

export function renderAuthSection(r: AuthBenchResult): string {
  const fmt = (x: number, d = 1) =>
    x.toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d });
  return [
    "",
    "## Identity and access",
    "",
    `In-process, SQLite, one core. The permission check: ${r.checks.toLocaleString("en")} checks of a random user, repository and action against ${r.repositories.toLocaleString("en")} repositories in 100 projects and ${r.grants.toLocaleString("en")} grants (30 % narrowed to a repository glob), seeded. Tokens: a robot's registry token (grant + ES256 JWT) issued back to back for ${fmt(r.tokenSeconds)} s. Goals (issue 13): a check under 50 µs at p99; at least 2,000 tokens per second on one core. Load average at the end of the run: ${fmt(r.load)} (on 2 cores; the max is the tail a busy machine adds).`,
    "",
    "| permission check p50 (µs) | p99 (µs) | max (µs) | tokens issued per second |",
    "|---:|---:|---:|---:|",
    `| ${fmt(r.checkMicros.p50, 2)} | ${fmt(r.checkMicros.p99, 2)} | ${fmt(r.checkMicros.max, 0)} | ${fmt(r.tokensPerSecond, 0)} |`,
    "",
  ].join("\n");
}
