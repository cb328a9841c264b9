import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { ApiClient, ApiError } from "./api-client.js";

/** How long the CLI waits for the browser to come back: a person types a password, maybe a second factor. */
const WAIT_MS = 5 * 60_000;

const Issued = z.object({
  username: z.string().min(1),
  token: z.string().min(1),
  expiresAt: z.number(),
});
export type SsoCredentials = z.output<typeof Issued>;

/**
 * `portcullis login --sso`: single sign-on for the command line, as native apps do it (RFC 8252). The CLI
 * listens on a loopback port, has the browser sign in at `/auth/cli` (the server sends it on to the
 * OpenID provider when it has no session), gets a two-minute code on that port, and trades the code
 * with its verifier for a personal access token: credentials that do not die with the SSO session.
 * The browser is `$BROWSER URL` when BROWSER is set; the URL is printed either way.
 */
export async function ssoLogin(server: string, expiresInDays: number | undefined): Promise<SsoCredentials> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const { port, code, close } = await listenForCode();
  try {
    const url = `${server}/auth/cli?port=${port}&challenge=${challenge}`;
    process.stderr.write(`Sign in with single sign-on in your browser:\n  ${url}\n`);
    openBrowser(url);
    const received = await code;
    return await new ApiClient(server).request("POST", "/auth/cli/token", Issued, {
      code: received,
      verifier,
      ...(expiresInDays === undefined ? {} : { expiresInDays }),
    });
  } finally {
    close();
  }
}

function listenForCode(): Promise<{ port: number; code: Promise<string>; close: () => void }> {
  let settle: { resolve: (code: string) => void; reject: (err: Error) => void } | undefined;
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const value = url.searchParams.get("code");
    if (url.pathname !== "/callback" || !value) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    response
      .writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
      .end("Signed in to Portcullis: you can close this tab and go back to the terminal.\n");
    settle?.resolve(value);
  });
  const timer = setTimeout(
    () => settle?.reject(new ApiError("TIMEOUT", "no sign-in came back from the browser within 5 minutes")),
    WAIT_MS,
  );
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        code,
        close: () => {
          clearTimeout(timer);
          server.closeAllConnections();
          server.close();
        },
      });
    });
  });
}

/** `$BROWSER URL`, detached; without BROWSER the printed URL is the way. */
function openBrowser(url: string): void {
  const browser = process.env.BROWSER;
  if (!browser) return;
  const child = spawn(browser, [url], { stdio: "ignore", detached: true });
  child.on("error", (err) => process.stderr.write(`portcullis: cannot start $BROWSER (${err.message})\n`));
  child.unref();
}
