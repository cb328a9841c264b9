import { type FormEvent, useState } from "react";
import { apiSend, useApi } from "../api";
import { Time } from "../components/bits";
import type { Column } from "../components/table";
import { useSession } from "../session";
import { Problem, useAction } from "./action";
import { NameField } from "./form-fields";
import { LoadedTable } from "./loaded-table";
import { SecretDialog } from "./secret-dialog";
import type { User } from "./types";

const USERS = "/api/v1/users";

function userApi(name: string, tail = ""): string {
  return `${USERS}/${encodeURIComponent(name)}${tail}`;
}

/**
 * A one-time password for a reset, made here: the reset route takes the new password rather than
 * generating one (the CLI reads it from the terminal). 18 random bytes from the browser's CSPRNG, as
 * base64url: 24 characters, well over the 12 the server asks for. It goes to the server once, over the
 * same TLS as every write, and lives only in the dialog's props until it is closed.
 */
export function oneTimePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_");
}

function status(user: User): string {
  if (user.disabled) return "disabled";
  return user.mustChangePassword ? "active (one-time password)" : "active";
}

/**
 * The users (system.users): create, make or stop being an administrator, reset the password (a new
 * one-time password, shown once in a dialog, as at creation), sign out of every session (revokes the
 * refresh tokens), disable or enable, delete. One's own account is offered none of these here (one's
 * password is changed with the current one; the API also refuses to leave the installation without an
 * enabled administrator).
 */
export function UsersTab() {
  const session = useSession();
  const users = useApi<{ users: readonly User[] }>(USERS);
  const [shown, setShown] = useState<{ name: string; secret: string } | undefined>();
  const [notice, setNotice] = useState("");
  const act = useAction();
  const write = (method: "POST" | "PUT" | "DELETE", path: string, body?: unknown) =>
    act.run(async () => {
      setNotice("");
      await apiSend(method, path, body);
      users.reload();
    });
  const resetPassword = (name: string) =>
    act.run(async () => {
      setNotice("");
      const password = oneTimePassword();
      await apiSend("PUT", userApi(name, "/password"), { password });
      setShown({ name, secret: password });
      users.reload();
    });
  const signOut = (name: string) =>
    act.run(async () => {
      setNotice("");
      const answer = await apiSend<{ revoked: number }>("DELETE", userApi(name, "/tokens"));
      setNotice(`${name}: ${answer?.revoked ?? 0} session(s) signed out.`);
    });
  const columns: Column<User>[] = [
    { key: "name", header: "Name", render: (u) => u.name },
    { key: "email", header: "E-mail", render: (u) => u.email ?? "" },
    { key: "source", header: "Source", render: (u) => u.source },
    { key: "admin", header: "Administrator", render: (u) => (u.admin ? "yes" : "no") },
    { key: "status", header: "Status", render: status },
    { key: "created", header: "Created", render: (u) => <Time value={u.createdAt} /> },
    {
      key: "actions",
      header: "Actions",
      render: (u) =>
        u.name === session.me?.name ? (
          <span className="muted">you</span>
        ) : (
          <span className="toolbar">
            <button
              type="button"
              disabled={act.busy}
              aria-label={`${u.admin ? "Remove administrator" : "Make administrator"} ${u.name}`}
              onClick={() => write("PUT", userApi(u.name, "/admin"), { admin: !u.admin })}
            >
              {u.admin ? "Remove administrator" : "Make administrator"}
            </button>
            {u.source === "local" && (
              <button
                type="button"
                disabled={act.busy}
                aria-label={`Reset password of ${u.name}`}
                onClick={() => resetPassword(u.name)}
              >
                Reset password
              </button>
            )}
            <button
              type="button"
              disabled={act.busy}
              aria-label={`Sign out everywhere ${u.name}`}
              onClick={() => signOut(u.name)}
            >
              Sign out everywhere
            </button>
            <button
              type="button"
              disabled={act.busy}
              aria-label={`${u.disabled ? "Enable" : "Disable"} ${u.name}`}
              onClick={() => write("POST", userApi(u.name, u.disabled ? "/enable" : "/disable"))}
            >
              {u.disabled ? "Enable" : "Disable"}
            </button>
            <button
              type="button"
              className="danger"
              disabled={act.busy}
              aria-label={`Delete ${u.name}`}
              onClick={() => write("DELETE", userApi(u.name))}
            >
              Delete
            </button>
          </span>
        ),
    },
  ];
  return (
    <>
      <LoadedTable
        loaded={users}
        rows={(d) => d.users}
        what="users"
        caption="Users"
        columns={columns}
        rowKey={(u) => u.name}
        empty="No users."
        problemId="user-action-problem"
        action={act}
      />
      <p role="status">{notice}</p>
      <CreateUser
        onCreated={(name, password) => {
          if (password) setShown({ name, secret: password });
          users.reload();
        }}
      />
      {shown && (
        <SecretDialog
          what="One-time password"
          name={shown.name}
          secret={shown.secret}
          onClose={() => setShown(undefined)}
        />
      )}
    </>
  );
}

function CreateUser({ onCreated }: { onCreated: (name: string, password?: string) => void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(false);
  const create = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let created: { user: User; password?: string } | undefined;
    const done = await create.run(async () => {
      created = await apiSend<{ user: User; password?: string }>("POST", USERS, {
        name: name.trim(),
        ...(email.trim() ? { email: email.trim() } : {}),
        // Empty: the server generates a one-time password and answers it once.
        ...(password ? { password } : {}),
        admin,
      });
    });
    if (done && created) {
      setName("");
      setEmail("");
      setPassword("");
      setAdmin(false);
      onCreated(created.user.name, created.password);
    }
  };
  return (
    <form className="admin-form" onSubmit={submit} aria-labelledby="create-user-title">
      <h2 id="create-user-title">Create a user</h2>
      <NameField value={name} onChange={setName} />
      <label>
        E-mail
        <input type="email" maxLength={320} value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        Password (empty: a one-time password is generated; either way it must be changed at first login)
        <input
          type="password"
          autoComplete="new-password"
          maxLength={1024}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <label className="inline">
        <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />
        Administrator (holds every permission)
      </label>
      <Problem id="create-user-problem" action={create} />
      <button type="submit" disabled={create.busy}>
        Create user
      </button>
    </form>
  );
}
