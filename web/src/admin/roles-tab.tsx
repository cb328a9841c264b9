import { type FormEvent, useState } from "react";
import { apiSend, useApi } from "../api";
import type { Column } from "../components/table";
import { Problem, useAction } from "./action";
import { DescriptionField, NameField } from "./form-fields";
import { LoadedTable } from "./loaded-table";
import { inOrder, PermissionChoice } from "./permission-choice";
import { RowAction } from "./row-action";
import { PROJECT_PERMISSIONS, type Role } from "./types";

const ROLES = "/api/v1/roles";

/**
 * The project roles (system.roles): the built-in ones read-only, custom ones created from the project
 * permissions and deleted. What a role grants is granted in projects on their Members tab.
 */
export function RolesTab() {
  const roles = useApi<{ roles: readonly Role[] }>(ROLES);
  const act = useAction();
  const columns: Column<Role>[] = [
    { key: "name", header: "Role", render: (r) => r.name },
    { key: "kind", header: "Kind", render: (r) => (r.builtin ? "built-in" : "custom") },
    { key: "description", header: "For", render: (r) => r.description },
    { key: "permissions", header: "Permissions", render: (r) => r.permissions.join(", ") },
    {
      key: "actions",
      header: "Actions",
      render: (r) =>
        r.builtin ? (
          ""
        ) : (
          <RowAction
            label={`Delete role ${r.name}`}
            action={act}
            danger
            run={async () => {
              await apiSend("DELETE", `${ROLES}/${encodeURIComponent(r.name)}`);
              roles.reload();
            }}
          >
            Delete
          </RowAction>
        ),
    },
  ];
  return (
    <>
      <LoadedTable
        loaded={roles}
        rows={(d) => d.roles}
        what="roles"
        caption="Project roles"
        columns={columns}
        rowKey={(r) => r.name}
        empty="No roles."
        problemId="role-action-problem"
        action={act}
      />
      <CreateRole onCreated={roles.reload} />
    </>
  );
}

function CreateRole({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [permissions, setPermissions] = useState<Set<string>>(new Set(["project.read", "repository.pull"]));
  const create = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await create.run(async () => {
      if (permissions.size === 0) throw new Error("Choose at least one permission.");
      await apiSend("POST", ROLES, {
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        permissions: inOrder(PROJECT_PERMISSIONS, permissions),
      });
    });
    if (done) {
      setName("");
      setDescription("");
      onCreated();
    }
  };
  return (
    <form className="admin-form" onSubmit={submit} aria-labelledby="create-role-title">
      <h2 id="create-role-title">Create a custom role</h2>
      <NameField value={name} onChange={setName} />
      <DescriptionField value={description} onChange={setDescription} />
      <PermissionChoice
        legend="Permissions"
        choices={PROJECT_PERMISSIONS}
        chosen={permissions}
        onChange={setPermissions}
      />
      <Problem id="create-role-problem" action={create} />
      <button type="submit" disabled={create.busy}>
        Create role
      </button>
    </form>
  );
}
