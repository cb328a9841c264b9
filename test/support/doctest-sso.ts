/**
 * Single sign-on for the doc tests: a scripted browser that a block's `portcullis login --sso` opens
 * through `$BROWSER`. It signs in as `alice` at the login page of the runner's OpenID provider
 * (openid-provider.ts) and follows the redirects back to the CLI's loopback port, as a person's browser
 * would.
 */
import { appendFile } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";

/** The one person the scripted browser signs in as. */
export const SSO_USER = "alice";

interface Answer {
  readonly status: number;
  readonly location?: string;
  readonly cookies: readonly string[];
  readonly body: string;
}

/** A browser's cookie jar and its trust in `ca` (the organisation's CA, installed on the machine). */
class ScriptedBrowser {
  private readonly jars = new Map<string, Map<string, string>>();
  constructor(private readonly ca: string) {}

  async go(target: string, form?: URLSearchParams): Promise<Answer> {
    const url = new URL(target);
    const jar = this.jars.get(url.host) ?? new Map<string, string>();
    this.jars.set(url.host, jar);
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    if (form) headers["content-type"] = "application/x-www-form-urlencoded";
    const answer = await send(url, form ? "POST" : "GET", headers, form?.toString(), this.ca);
    for (const line of answer.cookies) {
      const pair = line.split(";")[0] ?? "";
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return answer;
  }

  /** Follows redirects and answers the provider's login and consent forms until the CLI's loopback port. */
  async signIn(start: string): Promise<string> {
    let next = start;
    for (let hop = 0; hop < 30; hop++) {
      const url = new URL(next);
      const answer = await this.go(next);
      if (url.hostname === "127.0.0.1" && url.pathname === "/callback") {
        return `the CLI's loopback answered ${answer.status}: ${answer.body.trim()}`;
      }
      if (answer.location) {
        next = new URL(answer.location, url).toString();
        continue;
      }
      const action = /<form[^>]*action="([^"]+)"/.exec(answer.body)?.[1];
      if (!action) throw new Error(`${url} answered ${answer.status} without a redirect or a form`);
      const fields = new URLSearchParams();
      for (const [tag] of answer.body.matchAll(/<input[^>]*>/g)) {
        const name = /name="([^"]+)"/.exec(tag)?.[1];
        if (name) fields.set(name, /value="([^"]*)"/.exec(tag)?.[1] ?? "");
      }
      if (fields.has("login")) fields.set("login", SSO_USER);
      if (fields.has("password")) fields.set("password", "any password: the provider's development login");
      const posted = await this.go(new URL(action, url).toString(), fields);
      if (!posted.location)
        throw new Error(`the form at ${url} answered ${posted.status} without a redirect`);
      next = new URL(posted.location, url).toString();
    }
    throw new Error(`too many redirects from ${start}`);
  }
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  ca: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { method, headers, timeout: 30_000 };
    const done = (response: IncomingMessage) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          ...(response.headers.location ? { location: response.headers.location } : {}),
          cookies: response.headers["set-cookie"] ?? [],
          body: text,
        }),
      );
    };
    const request =
      url.protocol === "https:"
        ? httpsRequest(url, { ...options, ca }, done)
        : httpRequest(url, options, done);
    request.on("timeout", () => request.destroy(new Error(`${url} did not answer within 30 s`)));
    request.on("error", reject);
    request.end(body);
  });
}

export interface BrowserControl {
  /** The `$BROWSER` program: hands its URL to the scripted browser and waits until it is done. */
  readonly script: string;
  close(): Promise<void>;
}

/**
 * Listens on loopback for the `$BROWSER` shim's "open this URL"; each URL gets a fresh browser (no
 * cookies), signs in, and the outcome goes to `log` (and back to the shim as its exit status).
 */
export async function startBrowserControl(ca: string, log: string): Promise<BrowserControl> {
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", async () => {
      const url = new URLSearchParams(body).get("url") ?? "";
      let line: string;
      let ok = false;
      try {
        line = `browser: opened ${url}; ${await new ScriptedBrowser(ca).signIn(url)}`;
        ok = true;
      } catch (err) {
        line = `browser: opened ${url}; failed: ${(err as Error).message}`;
      }
      await appendFile(log, `${line}\n`).catch(() => undefined);
      response.writeHead(ok ? 200 : 500, { "content-type": "text/plain" }).end(`${line}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const script = `#!/usr/bin/env bash
# doctest's \`$BROWSER\`: the runner's scripted browser signs in at the URL as ${SSO_USER}.
exec curl -fsS --max-time 120 --data-urlencode "url=$1" http://127.0.0.1:${port}/open
`;
  return { script, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
