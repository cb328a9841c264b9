import { describe, expect, it } from "vitest";
import { parseUserSpec, resolveUser, uidNeedsLookup } from "./users.js";

const PASSWD = Buffer.from(
  [
    "root:x:0:0:root:/root:/bin/sh",
    "  svc:x:0:0:sneaky root:/:/bin/sh  ",
    "app:x:1000:1000::/home/app:/bin/sh",
    "app:x:0:0:second app, never used::",
    "alias:x:1000:0:another name for 1000::",
    "broken:x:abc:5::",
    "short",
    "huge:x:4294967296:0::",
    "neg:x:-1:0::",
    "",
  ].join("\n"),
);
const GROUP = Buffer.from(["# comment:x:7:", "root:x:0:", "wheel:x:10:app", "big:x:9999999999:"].join("\n"));

describe("parseUserSpec", () => {
  it.each([
    ["", "default", "default"],
    ["0", "id:0", "default"],
    ["+0", "id:0", "default"],
    ["00", "id:0", "default"],
    ["0:0", "id:0", "id:0"],
    [":0", "default", "id:0"],
    ["root:1000", "name:root", "id:1000"],
    ["1000:0", "id:1000", "id:0"],
    [" 0", "name: 0", "default"],
    ["0 ", "name:0 ", "default"],
    ["2147483647", "id:2147483647", "default"],
    ["2147483648", "out-of-range", "default"],
    ["4294967296", "out-of-range", "default"],
    ["99999999999999999999999999", "out-of-range", "default"],
    ["-1", "out-of-range", "default"],
    ["a:b:c", "name:a", "name:b:c"],
  ])("%j", (user, userPart, groupPart) => {
    const show = (p: ReturnType<typeof parseUserSpec>["user"]) =>
      p.kind === "id" ? `id:${p.id}` : p.kind === "name" ? `name:${p.name}` : p.kind;
    const spec = parseUserSpec(user);
    expect(show(spec.user)).toBe(userPart);
    expect(show(spec.group)).toBe(groupPart);
  });

  it("looks up only a user part that is a name", () => {
    expect(uidNeedsLookup("svc")).toBe(true);
    expect(uidNeedsLookup(" 0")).toBe(true);
    expect(uidNeedsLookup("1000:wheel")).toBe(false);
    expect(uidNeedsLookup(":wheel")).toBe(false);
    expect(uidNeedsLookup("+0")).toBe(false);
  });
});

describe("resolveUser (runc's GetExecUser)", () => {
  it.each([
    ["", { uid: 0, gid: 0 }],
    ["svc", { uid: 0, gid: 0 }],
    ["root:1000", { uid: 0, gid: 1000 }],
    ["app", { uid: 1000, gid: 1000 }],
    ["alias", { uid: 1000, gid: 0 }],
    ["1000", { uid: 1000, gid: 1000 }],
    ["1000:0", { uid: 1000, gid: 0 }],
    ["app:wheel", { uid: 1000, gid: 10 }],
    ["4242", { uid: 4242, gid: 0 }],
    ["broken", { uid: 0, gid: 5 }],
    ["short", { uid: 0, gid: 0 }],
  ])("%j runs as %j", (user, ids) => {
    expect(resolveUser(user, PASSWD, GROUP)).toEqual({ ok: true, ...ids });
  });

  it.each([
    ["nobody", 'no user "nobody" in the image\'s /etc/passwd'],
    [" 0", 'no user " 0"'],
    ["app:staff", 'no group "staff" in the image\'s /etc/group'],
    ["huge", "outside 0-2147483647"],
    ["neg", "outside 0-2147483647"],
    ["app:big", "outside 0-2147483647"],
    ["4294967296", "runc refuses to start it"],
    ["1000:4294967296", "runc refuses to start it"],
  ])("%j does not resolve", (user, reason) => {
    const resolved = resolveUser(user, PASSWD, GROUP);
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) expect(resolved.reason).toContain(reason);
  });

  it("without /etc/passwd a name cannot be resolved, a number can", () => {
    expect(resolveUser("svc")).toEqual({
      ok: false,
      reason: 'user "svc" cannot be resolved: the image has no /etc/passwd',
    });
    expect(resolveUser("1000")).toEqual({ ok: true, uid: 1000, gid: 0 });
    expect(resolveUser("1000:wheel").ok).toBe(false);
  });
});
