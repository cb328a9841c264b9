import { type FormEvent, useState } from "react";
import { apiSend, useApi } from "../api";
import type { Column } from "../components/table";
import { useSession } from "../session";
import { Problem, useAction } from "./action";
import { NameField } from "./form-fields";
import { LoadedTable } from "./loaded-table";
import type { Member, Role } from "./types";

function membersApi(project: string): string {
  return `/api/v1/projects/${encodeURIComponent(project)}/members`;
}

/** A project's members; adding and removing only for a caller holding member.write there. */
export function MembersTab({ project }: { project: string }) {
  const session = useSession();
  const mayWrite = session.can("member.write", project);
  const members = useApi<{ members: readonly Member[] }>(membersApi(project));
  const remove = useAction();
  const columns: Column<Member>[] = [
    { key: "name", header: "Name", render: (m) => m.name },
    { key: "kind", header: "Kind", render: (m) => m.kind },
    { key: "role", header: "Role", render: (m) => m.role },
    { key: "repositories", header: "Repositories", render: (m) => m.repositories.join(", ") },
  ];
  if (mayWrite) {
    columns.push({
      key: "actions",
      header: "Actions",
      render: (m) => (
        <button
          type="button"
          className="danger"
          disabled={remove.busy}
          aria-label={`Remove ${m.kind} ${m.name} (${m.role})`}
          onClick={() =>
            remove.run(async () => {
              await apiSend("DELETE", `${membersApi(project)}/${m.id}`);
              members.reload();
            })
          }
        >
          Remove
        </button>
      ),
    });
  }
  return (
    <>
      <LoadedTable
        loaded={members}
        rows={(d) => d.members}
        what="members"
        caption={`Members of ${project}`}
        columns={columns}
        rowKey={(m) => String(m.id)}
        empty="No members: only administrators reach this project."
        problemId="member-remove-problem"
        action={remove}
      />
      {mayWrite && <AddMember project={project} onAdded={members.reload} />}
    </>
  );
}

function AddMember({ project, onAdded }: { project: string; onAdded: () => void }) {
  const roles = useApi<{ roles: readonly Role[] }>("/api/v1/roles");
  const [kind, setKind] = useState<"user" | "group">("user");
  const [name, setName] = useState("");
  const [role, setRole] = useState("developer");
  const [repositories, setRepositories] = useState("");
  const add = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const globs = repositories
      .split(/[\s,]+/)
      .map((g) => g.trim())
      .filter((g) => g !== "");
    const done = await add.run(async () => {
      await apiSend("POST", membersApi(project), {
        kind,
        name: name.trim(),
        role,
        ...(globs.length > 0 ? { repositories: globs } : {}),
      });
    });
    if (done) {
      setName("");
      setRepositories("");
      onAdded();
    }
  };
  return (
    <form className="admin-form" onSubmit={submit} aria-labelledby="add-member-title">
      <h2 id="add-member-title">Add a member</h2>
      <label>
        Kind
        <select value={kind} onChange={(e) => setKind(e.target.value as "user" | "group")}>
          <option value="user">user</option>
          <option value="group">group</option>
        </select>
      </label>
      <NameField value={name} onChange={setName} />
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value)}>
          {(
            roles.data?.roles ?? [{ name: "developer", description: "", builtin: true, permissions: [] }]
          ).map((r) => (
            <option key={r.name} value={r.name}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Repositories (globs, optional)
        <input
          placeholder="* (the whole project)"
          value={repositories}
          onChange={(e) => setRepositories(e.target.value)}
        />
      </label>
      <Problem id="add-member-problem" action={add} />
      <button type="submit" disabled={add.busy}>
        Add member
      </button>
    </form>
  );
}
