/**
 * The image config's `User` (OCI image-spec config.md: "user", "uid", "user:group", "uid:gid",
 * "uid:group", "user:gid") read as the runtime reads it. runc resolves it with moby/sys/user's
 * GetExecUser, and that is what is followed here:
 * - the string is cut at the first ":"; an empty user part means the default, uid 0;
 * - a part is numeric when Go's strconv.Atoi takes it (an optional sign, decimal digits, nothing else:
 *   "+0" and "00" are 0, " 0" is a name); a numeric uid outside 0..2^31-1 is refused (ErrRange), so
 *   the container never starts;
 * - a name is looked up in the image's /etc/passwd (group names in /etc/group), the first matching
 *   line wins; a name that is not found fails the start ("unable to find user");
 * - passwd fields are read like parseLine: a line is trimmed, split on ":", and a uid field Atoi
 *   cannot read counts as 0 — so "svc:x:abc:0" runs as root.
 */

/** The largest id runc accepts (moby/sys/user maxID, kept for 32-bit systems). */
export const MAX_RUNTIME_ID = 2 ** 31 - 1;

export type UserPart =
  | { readonly kind: "default" }
  | { readonly kind: "id"; readonly id: number }
  | { readonly kind: "name"; readonly name: string }
  /** Numeric but out of 0..MAX_RUNTIME_ID (or beyond what a number holds): runc refuses to start. */
  | { readonly kind: "out-of-range"; readonly text: string };

export interface UserSpec {
  readonly user: UserPart;
  /** Absent when the spec has no ":" group part (or an empty one). */
  readonly group: UserPart;
}

const NUMERIC = /^[+-]?[0-9]+$/;

function parsePart(text: string): UserPart {
  if (text === "") return { kind: "default" };
  if (!NUMERIC.test(text)) return { kind: "name", name: text };
  const id = Number(text);
  // Number() is exact up to 2^53; anything past MAX_RUNTIME_ID is refused before precision matters.
  if (!Number.isSafeInteger(id) || id < 0 || id > MAX_RUNTIME_ID) return { kind: "out-of-range", text };
  return { kind: "id", id: id === 0 ? 0 : id };
}

/** Splits a config `User` into its user and group parts, as GetExecUser does (strings.Cut at ":"). */
export function parseUserSpec(user: string): UserSpec {
  const colon = user.indexOf(":");
  const userText = colon < 0 ? user : user.slice(0, colon);
  const groupText = colon < 0 ? "" : user.slice(colon + 1);
  return { user: parsePart(userText), group: parsePart(groupText) };
}

interface IdEntry {
  readonly name: string;
  /** NaN when the field is numeric-looking but out of range (the runtime would misbehave). */
  readonly id: number;
}

/** Go's Atoi with errors ignored, as parseLine reads an id field; NaN past the runtime's range. */
function idField(text: string | undefined): number {
  if (text === undefined || !NUMERIC.test(text)) return 0;
  const id = Number(text);
  return Number.isSafeInteger(id) && id >= 0 && id <= MAX_RUNTIME_ID ? id : Number.NaN;
}

/** Lines of an /etc/passwd or /etc/group, trimmed, blank lines skipped (and `#` comments for group). */
function lines(bytes: Buffer, skipComments: boolean): string[][] {
  return bytes
    .toString("utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !(skipComments && line.startsWith("#")))
    .map((line) => line.split(":"));
}

export interface PasswdEntry extends IdEntry {
  readonly gid: number;
}

/** passwd(5): name:password:uid:gid:gecos:home:shell. */
export function parsePasswd(bytes: Buffer): PasswdEntry[] {
  return lines(bytes, false).map((f) => ({ name: f[0]!, id: idField(f[2]), gid: idField(f[3]) }));
}

/** group(5): name:password:gid:members. */
export function parseGroup(bytes: Buffer): IdEntry[] {
  return lines(bytes, true).map((f) => ({ name: f[0]!, id: idField(f[2]) }));
}

/** What the image's User runs as, or why that cannot be told. */
export type ResolvedUser =
  | { readonly ok: true; readonly uid: number; readonly gid: number }
  | { readonly ok: false; readonly reason: string };

function rangeReason(what: string, name: string): string {
  return `${what} ${JSON.stringify(name)} has an id outside 0-${MAX_RUNTIME_ID}, which the runtime cannot set`;
}

/**
 * Resolves a config `User` through the image's /etc/passwd and /etc/group (undefined when the file is
 * absent), as GetExecUser with default uid 0 and gid 0. Only the uid and primary gid are worked out.
 */
export function resolveUser(user: string, passwd?: Buffer, group?: Buffer): ResolvedUser {
  const spec = parseUserSpec(user);
  for (const part of [spec.user, spec.group]) {
    if (part.kind === "out-of-range") {
      return {
        ok: false,
        reason: `${JSON.stringify(part.text)} is outside 0-${MAX_RUNTIME_ID}; runc refuses to start it`,
      };
    }
  }
  let uid = 0;
  let gid = 0;
  const users = passwd ? parsePasswd(passwd) : [];
  const u = spec.user;
  // The default user is looked up by uid 0 (for its gid); a numeric uid likewise; a name by name.
  const match = users.find((e) =>
    u.kind === "name" ? e.name === u.name : e.id === (u.kind === "id" ? u.id : 0),
  );
  if (match) {
    if (Number.isNaN(match.id) || Number.isNaN(match.gid)) {
      return { ok: false, reason: rangeReason("the /etc/passwd entry of", match.name) };
    }
    uid = match.id;
    gid = match.gid;
  } else if (u.kind === "name") {
    return {
      ok: false,
      reason: passwd
        ? `no user ${JSON.stringify(u.name)} in the image's /etc/passwd`
        : `user ${JSON.stringify(u.name)} cannot be resolved: the image has no /etc/passwd`,
    };
  } else if (u.kind === "id") {
    uid = u.id;
  }
  const g = spec.group;
  if (g.kind === "id") gid = g.id;
  if (g.kind === "name") {
    const found = (group ? parseGroup(group) : []).find((e) => e.name === g.name);
    if (!found) {
      return {
        ok: false,
        reason: group
          ? `no group ${JSON.stringify(g.name)} in the image's /etc/group`
          : `group ${JSON.stringify(g.name)} cannot be resolved: the image has no /etc/group`,
      };
    }
    if (Number.isNaN(found.id))
      return { ok: false, reason: rangeReason("the /etc/group entry of", found.name) };
    gid = found.id;
  }
  return { ok: true, uid, gid };
}

/**
 * Whether the uid of `user` can only be told from the image's /etc/passwd: its user part is a name.
 * A numeric or empty user part needs no lookup (a group name cannot change the uid).
 */
export function uidNeedsLookup(user: string): boolean {
  return parseUserSpec(user).user.kind === "name";
}
