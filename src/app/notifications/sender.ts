import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { guardedLookup, refusedUrl } from "./target.js";

export interface SendResult {
  /** The receiver's status, or null when no answer came. */
  readonly statusCode: number | null;
  /** Why it failed, for the delivery log: never a header, a body or the secret. */
  readonly error: string | null;
  readonly durationMs: number;
  /** Sending again cannot help (the URL's address is refused). */
  readonly permanent: boolean;
}

/** How much of a receiver's answer is read (and dropped) before the connection is closed. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs a signed body to a webhook URL: no redirects followed (a 3xx is a failure: a redirect could
 * lead to a forbidden address), the connection refused when the name resolves to a forbidden address
 * (target.ts), at most `timeoutMs` for the whole exchange. 2xx is success.
 */
export function sendWebhook(
  target: { url: string; allowInsecure: boolean },
  headers: Readonly<Record<string, string>>,
  body: string,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refused = refusedUrl(target.url, target.allowInsecure);
  if (refused) return Promise.resolve({ statusCode: null, error: refused, durationMs: 0, permanent: true });
  const url = new URL(target.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    const request = send(
      url,
      {
        method: "POST",
        lookup: guardedLookup as never,
        headers: {
          ...headers,
          "content-type": "application/cloudevents+json; charset=utf-8",
          "content-length": Buffer.byteLength(body),
          "user-agent": "Portcullis-Webhooks/1",
        },
      },
      (answer: IncomingMessage) => {
        let read = 0;
        answer.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) answer.destroy();
        });
        const done = () => {
          const status = answer.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          finish({
            statusCode: status,
            error: ok ? null : `the receiver answered ${status}`,
            permanent: false,
          });
        };
        answer.on("end", done);
        answer.on("close", done);
        answer.on("error", done);
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish({ statusCode: null, error: `no answer within ${timeoutMs} ms`, permanent: false });
    }, timeoutMs);
    request.on("error", (err: NodeJS.ErrnoException) => {
      const permanent = err.code === "ADDRESS_REFUSED";
      // The error's message names the host and the failure (ECONNREFUSED, a TLS error); not the path.
      finish({ statusCode: null, error: `${err.code ?? "ERROR"}: ${err.message}`, permanent });
    });
    request.end(body);
  });
}
