import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import {
  type ApiFlags,
  connect,
  outputOf,
  printJson,
  readPassword,
  withApiFlags,
} from "./account-options.js";
import { ApiClient } from "./api-client.js";
import { credentialsPath, normalizeServer, readCredentials, writeCredentials } from "./credentials.js";
import { printTable } from "./output.js";
import { ssoLogin } from "./sso-login.js";
import { UsageError } from "./trust/usage-error.js";

interface LoginFlags {
  username?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
  sso?: boolean;
}

async function askUsername(): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError("give the name with -u NAME (stdin is not a terminal)");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question("Username: ")).trim();
  } finally {
    rl.close();
  }
}

/** `portcullis login`, `logout` and `whoami`: the credentials every account command uses. */
export function registerLogin(program: Command, setExit: (code: number) => void): void {
  program
    .command("login")
    .description(
      `log in to a Portcullis server in accounts mode; keeps the URL and credentials in ${credentialsPath()} (mode 0600)`,
    )
    .argument("<url>", "the server, such as https://registry.example.com")
    .option("-u, --username <name>", "a user name, or a robot's (robot$PROJECT+NAME)")
    .option("--password-stdin", "read the password or robot secret from stdin")
    .option("--insecure", "allow plain HTTP to a host other than loopback (sends the password in the clear)")
    .option(
      "--sso",
      "sign in with single sign-on in a browser ($BROWSER, or open the printed URL); keeps a personal access token (90 days)",
    )
    .action(async (url: string, flags: LoginFlags) => {
      const server = normalizeServer(url, flags.insecure ?? false);
      if (flags.sso) {
        if (flags.username !== undefined || flags.passwordStdin)
          throw new UsageError("--sso takes no -u or --password-stdin: the browser signs you in");
        const issued = await ssoLogin(server, undefined);
        const me = await new ApiClient(server, { username: issued.username, secret: issued.token }).me();
        const file = readCredentials();
        writeCredentials({
          current: server,
          servers: {
            ...file.servers,
            [server]: {
              username: issued.username,
              secret: issued.token,
              ...(flags.insecure ? { insecure: true } : {}),
            },
          },
        });
        process.stdout.write(
          `Logged in to ${server} as ${me.name} (single sign-on; a personal access token until ${new Date(issued.expiresAt).toISOString().slice(0, 10)}).\n`,
        );
        setExit(0);
        return;
      }
      const username = flags.username ?? (await askUsername());
      if (username === "") throw new UsageError("a user name is needed");
      const secret = await readPassword(flags.passwordStdin, "Password: ");
      const me = await new ApiClient(server, { username, secret }).me();
      const file = readCredentials();
      writeCredentials({
        current: server,
        servers: {
          ...file.servers,
          [server]: { username, secret, ...(flags.insecure ? { insecure: true } : {}) },
        },
      });
      process.stdout.write(`Logged in to ${server} as ${me.name}.\n`);
      if (me.mustChangePassword) {
        process.stderr.write(
          "Your password is a one-time password: set your own with `portcullis user passwd` before anything else.\n",
        );
      }
      setExit(0);
    });

  program
    .command("logout")
    .description("forget the credentials of a server (default: the current one)")
    .argument("[url]", "the server")
    .action(async (url: string | undefined) => {
      const file = readCredentials();
      const server = url === undefined ? file.current : normalizeServer(url, true);
      if (server === undefined || !file.servers[server]) {
        process.stderr.write(`portcullis: not logged in${server ? ` to ${server}` : ""}\n`);
        setExit(0);
        return;
      }
      const { [server]: _, ...servers } = file.servers;
      const current = file.current === server ? Object.keys(servers)[0] : file.current;
      writeCredentials({ ...(current === undefined ? {} : { current }), servers });
      process.stdout.write(`Logged out of ${server}.\n`);
      setExit(0);
    });

  withApiFlags(
    program.command("whoami").description("who the server knows you as, and the grants you hold"),
  ).action(async (flags: ApiFlags) => {
    const format = outputOf(flags);
    const { client, server } = connect(flags);
    const me = await client.me();
    if (format === "json") printJson(me);
    else {
      process.stdout.write(
        `${me.name} (${me.kind}${me.admin ? ", administrator" : ""}) on ${server}${me.mustChangePassword ? "; one-time password: change it with `portcullis user passwd`" : ""}\n\n`,
      );
      printTable(
        ["project", "role", "via", "repositories", "permissions"],
        me.grants.map((g) => [
          g.project,
          g.role ?? "",
          g.group ?? "",
          g.repositories.join(","),
          g.permissions.join(", "),
        ]),
      );
    }
    setExit(0);
  });
}
