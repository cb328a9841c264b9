import { type FormEvent, useState } from "react";
import { apiSend, useApi } from "../api";
import { Failure, Loading } from "../components/bits";
import { Problem, useAction } from "./action";
import { NameField } from "./form-fields";
import type { Group } from "./types";

const GROUPS = "/api/v1/groups";

function memberApi(group: string, user: string): string {
  return `${GROUPS}/${encodeURIComponent(group)}/members/${encodeURIComponent(user)}`;
}

/**
 * Groups and their members (system.users): create and delete a group (its project grants go with it),
 * add and remove members. Projects grant roles to groups on their Members tab.
 */
export function GroupsTab() {
  const groups = useApi<{ groups: readonly Group[] }>(GROUPS);
  const act = useAction();
  const write = (method: "PUT" | "DELETE", path: string) =>
    act.run(async () => {
      await apiSend(method, path);
      groups.reload();
    });
  return (
    <>
      {groups.error && <Failure error={groups.error} what="the groups" />}
      {groups.loading && !groups.data && <Loading what="groups" />}
      {groups.data && groups.data.groups.length === 0 && <p className="muted">No groups.</p>}
      {groups.data?.groups.map((group) => (
        <section key={group.name} className="group" aria-labelledby={`group-${group.name}`}>
          <h2 id={`group-${group.name}`}>Group {group.name}</h2>
          {group.members.length === 0 ? (
            <p className="muted">No members.</p>
          ) : (
            <ul className="members">
              {group.members.map((user) => (
                <li key={user}>
                  {user}{" "}
                  <button
                    type="button"
                    disabled={act.busy}
                    aria-label={`Remove ${user} from ${group.name}`}
                    onClick={() => write("DELETE", memberApi(group.name, user))}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <AddMember
            group={group.name}
            busy={act.busy}
            onAdd={(user) => write("PUT", memberApi(group.name, user))}
          />
          <button
            type="button"
            className="danger"
            disabled={act.busy}
            aria-label={`Delete group ${group.name}`}
            onClick={() => write("DELETE", `${GROUPS}/${encodeURIComponent(group.name)}`)}
          >
            Delete group
          </button>
        </section>
      ))}
      <Problem id="group-action-problem" action={act} />
      <CreateGroup onCreated={groups.reload} />
    </>
  );
}

function AddMember({
  group,
  busy,
  onAdd,
}: {
  group: string;
  busy: boolean;
  onAdd: (user: string) => Promise<boolean>;
}) {
  const [user, setUser] = useState("");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await onAdd(user.trim())) setUser("");
  };
  return (
    <form className="toolbar" onSubmit={submit} aria-label={`Add a member to ${group}`}>
      <label>
        User
        <input required maxLength={255} value={user} onChange={(e) => setUser(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Add member
      </button>
    </form>
  );
}

function CreateGroup({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const create = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await create.run(async () => {
      await apiSend("POST", GROUPS, { name: name.trim() });
    });
    if (done) {
      setName("");
      onCreated();
    }
  };
  return (
    <form className="admin-form" onSubmit={submit} aria-labelledby="create-group-title">
      <h2 id="create-group-title">Create a group</h2>
      <NameField value={name} onChange={setName} />
      <Problem id="create-group-problem" action={create} />
      <button type="submit" disabled={create.busy}>
        Create group
      </button>
    </form>
  );
}
