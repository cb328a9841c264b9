import { Client, type ClientOptions } from "ldapts";

export interface LdapOptions {
  /** `ldap://host:389` or `ldaps://host:636`. */
  readonly url: string;
  /** The service account that searches for users; empty: search anonymously. */
  readonly bindDn: string;
  readonly bindPassword: string;
  readonly userBase: string;
  /** `{username}` is replaced by the escaped login name, e.g. `(uid={username})`. */
  readonly userFilter: string;
  readonly groupBase?: string;
  /** `{dn}` is replaced by the escaped user DN, `{username}` by the name, e.g. `(member={dn})`. */
  readonly groupFilter: string;
  /** The group attribute that names it in Portcullis (default `cn`). */
  readonly groupAttribute: string;
  /** Upgrade `ldap://` with StartTLS. */
  readonly startTls?: boolean;
  readonly caPem?: string;
  readonly timeoutMs?: number;
}

export interface DirectoryUser {
  readonly dn: string;
  readonly name: string;
  readonly email?: string;
  readonly groups: readonly string[];
}

/**
 * LDAP as a password check and a source of groups: find the user with the service account, bind as
 * that user with the password given (the directory decides), then list the groups holding the user.
 * An empty password is refused before any bind: LDAP treats a simple bind with a DN and no password as
 * an unauthenticated bind that succeeds (RFC 4513 §5.1.2), which would let anyone in.
 */
export class LdapDirectory {
  constructor(private readonly options: LdapOptions) {}

  async authenticate(username: string, password: string): Promise<DirectoryUser | undefined> {
    if (password === "" || password.length > 1024) return undefined;
    const client = this.client();
    try {
      if (this.options.startTls)
        await client.startTLS(this.options.caPem ? { ca: [this.options.caPem] } : {});
      if (this.options.bindDn) await client.bind(this.options.bindDn, this.options.bindPassword);
      const { searchEntries } = await client.search(this.options.userBase, {
        scope: "sub",
        filter: this.options.userFilter.replaceAll("{username}", escapeFilterValue(username)),
        attributes: ["dn", "mail"],
        sizeLimit: 2,
      });
      // Zero or several matches: not one person, so no login.
      if (searchEntries.length !== 1) return undefined;
      const entry = searchEntries[0]!;
      const userClient = this.client();
      try {
        if (this.options.startTls)
          await userClient.startTLS(this.options.caPem ? { ca: [this.options.caPem] } : {});
        await userClient.bind(entry.dn, password);
      } catch {
        return undefined;
      } finally {
        await userClient.unbind().catch(() => {});
      }
      const groups = this.options.groupBase ? await this.groupsOf(client, entry.dn, username) : [];
      const mail = entry.mail;
      return {
        dn: entry.dn,
        name: username,
        ...(typeof mail === "string" ? { email: mail } : {}),
        groups,
      };
    } finally {
      await client.unbind().catch(() => {});
    }
  }

  private async groupsOf(client: Client, dn: string, username: string): Promise<string[]> {
    const attribute = this.options.groupAttribute;
    const { searchEntries } = await client.search(this.options.groupBase!, {
      scope: "sub",
      filter: this.options.groupFilter
        .replaceAll("{dn}", escapeFilterValue(dn))
        .replaceAll("{username}", escapeFilterValue(username)),
      attributes: [attribute],
      sizeLimit: 1000,
    });
    return searchEntries
      .map((e) => e[attribute])
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .filter((v): v is string => typeof v === "string")
      .sort();
  }

  private client(): Client {
    const options: ClientOptions = {
      url: this.options.url,
      timeout: this.options.timeoutMs ?? 5000,
      connectTimeout: this.options.timeoutMs ?? 5000,
      ...(this.options.url.startsWith("ldaps:") && this.options.caPem
        ? { tlsOptions: { ca: [this.options.caPem] } }
        : {}),
    };
    return new Client(options);
  }
}

/** RFC 4515 escaping of an assertion value: `*`, `(`, `)`, `\` and NUL as `\XX`. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
