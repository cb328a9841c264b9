import type { Server } from "node:https";
import type { TLSSocket } from "node:tls";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { isPortcullisError, parseJsonInTurns } from "../../core/index.js";
import { HANDSHAKE_TIMEOUT_MS, ReloadableTls } from "../tls.js";
import {
  type AdmissionDecider,
  type AdmissionMode,
  admit,
  isPortcullisAdmissionError,
  MAX_REVIEW_BYTES,
} from "./admission-api.js";
import { type AdmissionAuthentication, type AdmissionCaller, authenticator, callerLabel } from "./caller.js";
import { deadlineFor, guardedDecider, type WebhookFailurePolicy } from "./deadline.js";
import { gateDecider } from "./decider.js";
import type { ImagePolicyGate } from "./gate.js";
import { AdmissionMetrics, type ReviewOperation } from "./metrics.js";

/**
 * The admission webhook: POST /validate and /mutate take an AdmissionReview (admission.k8s.io/v1 or
 * v1beta1) and answer one; GET /healthz. HTTPS only, as the API server calls webhooks over TLS
 * (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/).
 * A body that is not an AdmissionReview gets 400 with a message (there is no uid to answer); every
 * review gets an answer before the deadline, whatever the gate does. GET /metrics serves Prometheus
 * metrics (AdmissionMetrics): reviews, their duration, decisions per image and replaced decisions.
 */

export interface AdmissionServerOptions {
  gate: ImagePolicyGate;
  /** The serving certificate: fixed, or one that follows its files (`tls.check()` swaps it in place). */
  tls: { cert: string | Buffer; key: string | Buffer } | ReloadableTls;
  /** The webhook configuration's timeoutSeconds, in ms (default 10 s); decisions get 80% of it. */
  timeoutMs?: number;
  /** What a failed or late decision answers (default Fail: deny). */
  failurePolicy?: WebhookFailurePolicy;
  /** One entry per review; never contains the object, only what identifies the review. */
  log?: (entry: ReviewLogEntry) => void;
  /**
   * Where reviews and decisions are counted and GET /metrics reads from; the caller keeps it to report
   * policy reloads (setPolicy, policyReloaded). Without it the server makes one, so /metrics always works.
   */
  metrics?: AdmissionMetrics;
  /**
   * Who may send reviews (a client CA, a bearer token, or both: either authenticates). A review from
   * anyone else gets 401 before its body is read. Without it every caller is answered as "none", and
   * a gate that records must not record those (fromPolicyGate does not).
   */
  authentication?: AdmissionAuthentication;
}

export interface ReviewLogEntry {
  uid: string;
  mode: AdmissionMode;
  kind: string;
  namespace: string;
  allowed: boolean;
  /** How the caller was authenticated (callerLabel: `mtls:<CN>`, `token`, `none`); never the token. */
  caller?: string;
  /** Set when the review was not answered with an AdmissionReview (400, or 401 unauthenticated). */
  error?: string;
  ms: number;
}

export const DEFAULT_ADMISSION_TIMEOUT_MS = 10_000;

interface ReviewShape {
  request?: { uid?: unknown; namespace?: unknown; kind?: { kind?: unknown } };
}

function field(value: unknown): string {
  return typeof value === "string" ? value.slice(0, 253) : "";
}

/** `?timeout=10s` as the API server writes it (a Go duration in whole seconds); else undefined. */
export function requestTimeoutMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^(\d{1,2})s$/.exec(value);
  const seconds = m ? Number(m[1]) : 0;
  return seconds >= 1 && seconds <= 30 ? seconds * 1000 : undefined;
}

function operationOf(url: string | undefined): ReviewOperation | undefined {
  return url === "/validate" ? "validate" : url === "/mutate" ? "mutate" : undefined;
}

function badRequest(reply: FastifyReply, message: string) {
  return reply.code(400).send({ code: 400, message });
}

export function buildAdmissionServer(options: AdmissionServerOptions): FastifyInstance<Server> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_ADMISSION_TIMEOUT_MS;
  const failurePolicy = options.failurePolicy ?? "Fail";
  const log = options.log ?? (() => {});
  const metrics = options.metrics ?? new AdmissionMetrics();
  // Bound once: the deciders below are cached, so nothing here is allocated per review.
  const onDecision = metrics.imageDecided.bind(metrics);
  const onFailure = metrics.decisionFailed.bind(metrics);
  // The API server appends ?timeout=<its timeoutSeconds>s to the URL; when it is shorter than ours,
  // the deadline follows it, so the answer still comes before the API server gives up.
  // One per deadline and caller (callers are few: the API server's certificate, the token, "none"),
  // so the caller reaches the gate in each ImageCheck without anything allocated per review.
  const deciders = new Map<string, AdmissionDecider>();
  const deciderFor = (ms: number, caller: AdmissionCaller, endpoint: "validate" | "mutate") => {
    const key = `${ms} ${callerLabel(caller)} ${endpoint}`;
    let decide = deciders.get(key);
    if (decide === undefined) {
      const gate: ImagePolicyGate = (check, signal) => options.gate({ ...check, caller, endpoint }, signal);
      decide = guardedDecider((signal) => gateDecider(gate, signal, onDecision), {
        deadlineMs: deadlineFor(ms),
        failurePolicy,
        onFailure,
      });
      if (deciders.size < 64) deciders.set(key, decide);
    }
    return decide;
  };

  const authentication = options.authentication ?? {};
  const authenticate = authenticator(authentication);
  const callers = new WeakMap<FastifyRequest, AdmissionCaller>();
  // Everything of the secure context but the pair, in one place: a reload rebuilds the context from it,
  // and a client CA missing there would leave client certificates checked against the default roots.
  const context = authentication.clientCa !== undefined ? { ca: authentication.clientCa } : {};
  const pair = options.tls instanceof ReloadableTls ? options.tls.secureContextOptions() : options.tls;
  const app = Fastify({
    https: {
      ...context,
      cert: pair.cert,
      key: pair.key,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      // A client certificate is asked for and verified against the client CA, but a connection without
      // one is let through TLS: /healthz serves probes, and the review routes refuse it with a 401.
      ...(authentication.clientCa !== undefined ? { requestCert: true, rejectUnauthorized: false } : {}),
    },
    bodyLimit: MAX_REVIEW_BYTES,
    logger: false,
    // The API server keeps connections open between reviews; the timeout only bounds idle sockets.
    keepAliveTimeout: 60_000,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
  });

  if (options.tls instanceof ReloadableTls) options.tls.serve(app.server, context);

  // Bodies are parsed a slice per event-loop turn, never in one JSON.parse: a hostile body of half a
  // megabyte can hold V8's parser for hundreds of milliseconds (core/json.ts). The reader refuses
  // `__proto__` and `constructor.prototype` as Fastify's parser did (onProtoPoisoning: "error"). A
  // body with an object or array past the reader's 100,000 members is not answered 400, which the API
  // server's failurePolicy Ignore would turn into an allow for an object it accepted: the review is
  // answered, and the workload refused unread (`incomplete`).
  const incomplete = new WeakMap<FastifyRequest, string>();
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(
    "application/json",
    { parseAs: "string" },
    async (request: FastifyRequest, body: string) => {
      try {
        const document = await parseJsonInTurns(body);
        if (document.overflow !== undefined) incomplete.set(request, document.overflow);
        return document.value;
      } catch (err) {
        if (!isPortcullisError(err)) throw err;
        throw Object.assign(new Error(err.message), { statusCode: 400 });
      }
    },
  );

  // Fastify's own rejections (not JSON, too big, wrong content type) keep their 4xx status.
  app.setErrorHandler((err: unknown, request, reply) => {
    const e = err as { statusCode?: unknown; message?: unknown } | null;
    const code = typeof e?.statusCode === "number" ? e.statusCode : 500;
    const status = code >= 400 && code < 500 ? code : 500;
    const message = status === 500 ? "internal error" : String(e?.message ?? "bad request");
    // A body refused before the handler (not JSON, too big, wrong type) is still a review we failed.
    const operation = operationOf(request.routeOptions.url);
    if (operation !== undefined) metrics.reviewFailed(operation, status);
    return reply.code(status).send({ code: status, message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ code: 404, message: "not found" }));

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/metrics", async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );

  for (const mode of ["validate", "mutate"] as const) {
    // Authenticated before the body is read, so an unauthenticated caller costs no parsing.
    const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = authenticate(request.raw.socket as TLSSocket, request.headers.authorization);
      if ("refused" in caller) {
        metrics.reviewFailed(mode, 401);
        log({ uid: "", mode, kind: "", namespace: "", allowed: false, error: caller.refused, ms: 0 });
        if (authentication.token !== undefined)
          reply.header("www-authenticate", 'Bearer realm="portcullis-admission"');
        return reply.code(401).send({ code: 401, message: caller.refused });
      }
      callers.set(request, caller);
    };
    app.post(`/${mode}`, { onRequest }, async (request, reply) => {
      const started = performance.now();
      const caller = callers.get(request) ?? ({ method: "none" } as const);
      const body = request.body as ReviewShape | undefined;
      const entry = {
        uid: field(body?.request?.uid),
        mode,
        kind: field(body?.request?.kind?.kind),
        namespace: field(body?.request?.namespace),
        caller: callerLabel(caller),
      };
      try {
        const asked = requestTimeoutMs((request.query as { timeout?: unknown } | undefined)?.timeout);
        const decide = deciderFor(asked === undefined ? timeoutMs : Math.min(asked, timeoutMs), caller, mode);
        const unread = incomplete.get(request);
        const { response } = await admit(
          body,
          decide,
          mode,
          unread === undefined ? {} : { incomplete: unread },
        );
        const ms = performance.now() - started;
        metrics.reviewAnswered(mode, response.response.allowed, ms / 1000);
        log({ ...entry, allowed: response.response.allowed, ms });
        return reply.send(response);
      } catch (err) {
        const message = isPortcullisAdmissionError(err) ? err.message : "internal error";
        const ms = performance.now() - started;
        const status = isPortcullisAdmissionError(err) ? 400 : 500;
        metrics.reviewFailed(mode, status, ms / 1000);
        log({ ...entry, allowed: false, error: message, ms });
        if (status === 400) return badRequest(reply, message);
        return reply.code(500).send({ code: 500, message });
      }
    });
  }
  return app;
}
