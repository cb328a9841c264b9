import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unavailable } from "../../../test/support/requirements.js";
import { hasSlapd, type Slapd, startSlapd } from "../../../test/support/slapd.js";
import type { Database } from "../../storage/index.js";
import { openDatabase } from "../../storage/index.js";
import { AccessControl } from "../access.js";
import { LocalAuthenticator } from "../local/authenticator.js";
import { AccountStore } from "../local/store.js";
import { LoginThrottle } from "../local/throttle.js";
import { KeyRing } from "../tokens/keys.js";
import { TokenService } from "../tokens/service.js";
import { escapeFilterValue, LdapDirectory } from "./directory.js";

const LDIF = `dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=org
objectClass: organizationalUnit
ou: groups

dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: Liddell
mail: alice@example.org
userPassword: alice-ldap-password

dn: uid=bob,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: Builder
userPassword: bob-ldap-password

dn: uid=carol,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: carol
cn: Carol
sn: Local
userPassword: carol-ldap-password

dn: cn=developers,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: developers
member: uid=alice,ou=people,dc=example,dc=org

dn: cn=auditors,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: auditors
member: uid=alice,ou=people,dc=example,dc=org
member: uid=bob,ou=people,dc=example,dc=org
`;

/** LDAP bind and group search against a real OpenLDAP (slapd) the test starts. */
describe.skipIf(unavailable("slapd (Debian package slapd)", hasSlapd()))("LDAP directory", () => {
  let slapd: Slapd;
  let directory: LdapDirectory;
  let database: Database;
  let store: AccountStore;
  let authenticator: LocalAuthenticator;

  beforeAll(async () => {
    slapd = await startSlapd(LDIF);
    directory = new LdapDirectory({
      url: slapd.url,
      bindDn: slapd.adminDn,
      bindPassword: slapd.adminPassword,
      userBase: `ou=people,${slapd.suffix}`,
      userFilter: "(&(objectClass=inetOrgPerson)(uid={username}))",
      groupBase: `ou=groups,${slapd.suffix}`,
      groupFilter: "(&(objectClass=groupOfNames)(member={dn}))",
      groupAttribute: "cn",
    });
    database = await openDatabase(":memory:");
    store = new AccountStore(database);
    const tokens = new TokenService(new KeyRing(database.db, randomBytes(32), { keepRetiredMs: 60_000 }), {
      issuer: "portcullis",
      service: "portcullis",
      ttlMs: 300_000,
    });
    const throttle = new LoginThrottle(database.db, {
      accountAttempts: 5,
      addressAttempts: 50,
      windowMs: 60_000,
      lockMs: 60_000,
    });
    authenticator = new LocalAuthenticator({ store, tokens, throttle, directory });
  }, 30_000);
  afterAll(async () => {
    await slapd?.stop();
    await database?.close();
  });

  it("binds as the user and lists the groups that hold it", async () => {
    expect(await directory.authenticate("alice", "alice-ldap-password")).toEqual({
      dn: "uid=alice,ou=people,dc=example,dc=org",
      name: "alice",
      email: "alice@example.org",
      groups: ["auditors", "developers"],
    });
    expect(await directory.authenticate("alice", "wrong")).toBeUndefined();
    expect(await directory.authenticate("nobody", "x")).toBeUndefined();
  });

  it("refuses an empty password (an unauthenticated bind succeeds in LDAP) and filter injection", async () => {
    expect(await directory.authenticate("alice", "")).toBeUndefined();
    expect(await directory.authenticate("*", "alice-ldap-password")).toBeUndefined();
    expect(await directory.authenticate("alice)(uid=*", "alice-ldap-password")).toBeUndefined();
    expect(escapeFilterValue("a*b(c)\\d\0")).toBe("a\\2ab\\28c\\29\\5cd\\00");
  });

  it("logs directory users in, keeps their groups in step, and grants through those groups", async () => {
    const identity = await authenticator.login("alice", "alice-ldap-password");
    expect(identity).toMatchObject({ kind: "user", subject: "alice" });
    expect((await store.findUser("alice"))?.source).toBe("ldap");
    const groups = await store.listGroups();
    expect(groups.find((g) => g.name === "developers")?.members).toEqual(["alice"]);
    await store.createProject({ name: "team" });
    await store.addMember({ project: "team", kind: "group", name: "developers", role: "developer" });
    const access = new AccessControl(store);
    expect(await access.authorize(identity!, { action: "push", repository: "team/app" })).toBe(true);
    const bob = await authenticator.login("bob", "bob-ldap-password");
    expect(await access.authorize(bob!, { action: "push", repository: "team/app" })).toBe(false);
    expect(await authenticator.login("bob", "")).toBeUndefined();
  });

  it("never lets the directory take over a local account of the same name", async () => {
    await store.createUser({ name: "carol", password: "carol's local password" });
    expect(await authenticator.login("carol", "carol-ldap-password")).toBeUndefined();
    expect(await authenticator.login("carol", "carol's local password")).toMatchObject({ subject: "carol" });
  });
});
