import { type FormEvent, useState } from "react";
import { apiSend, useApi } from "../api";
import { Failure, Loading, Time } from "../components/bits";
import { type Column, DataTable } from "../components/table";
import { useSession } from "../session";
import { Problem, useAction } from "./action";
import { SecretDialog } from "./secret-dialog";
import type { User } from "./types";

const USERS = "/api/v1/users";

function userApi(name: string, tail = ""): string {
  return `${USERS}/${encodeURIComponent(name)}${tail}`;
}

function status(user: User): string {
  if (user.disabled) return "disabled";
  return user.mustChangePassword ? "active (one-time password)" : "active";
}

/**
 * The users (system.users): create, disable or enable, delete. A user created without a password gets
 * a generated one-time password, shown once in a dialog. One's own account is not offered for disabling
 * or deleting (the API also refuses to leave the installation without an enabled administrator).
 */
export function UsersTab() {
  const session = useSession();
  const users = useApi<{ users: readonly User[] }>(USERS);
  const [shown, setShown] = useState<{ name: string; secret: string } | undefined>();
  const act = useAction();
  const write = (method: "POST" | "DELETE", path: string) =>
    act.run(async () => {
      await apiSend(method, path);
      users.reload();
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
      {users.error && <Failure error={users.error} what="the users" />}
      {users.loading && !users.data && <Loading what="users" />}
      {users.data && (
        <DataTable
          caption="Users"
          columns={columns}
          rows={users.data.users}
          rowKey={(u) => u.name}
          empty="No users."
        />
      )}
      <Problem id="user-action-problem" action={act} />
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
      <label>
        Name
        <input required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
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
