import { type FormEvent, useState } from "react";
import { apiSend, useApi } from "../api";
import { Time } from "../components/bits";
import type { Column } from "../components/table";
import { useSession } from "../session";
import { Problem, useAction } from "./action";
import { DescriptionField, NameField } from "./form-fields";
import { LoadedTable } from "./loaded-table";
import { inOrder, PermissionChoice } from "./permission-choice";
import { DEFAULT_EXPIRY, ExpirySelect, expiryFields } from "./robot-expiry";
import { RobotActions, robotStatus } from "./row-action";
import { SecretDialog } from "./secret-dialog";
import { ROBOT_PERMISSIONS, type Robot } from "./types";

function robotsApi(project: string): string {
  return `/api/v1/projects/${encodeURIComponent(project)}/robots`;
}

/** `robot$team+ci` → `ci`, the name the project routes take. */
function shortName(robot: Robot, project: string): string {
  const prefix = `robot$${project}+`;
  return robot.name.startsWith(prefix) ? robot.name.slice(prefix.length) : robot.name;
}

/**
 * A project's robots (robot.read); create, rotate and revoke with robot.write. The secret of a new or
 * rotated robot is shown once, in a dialog.
 */
export function RobotsTab({ project }: { project: string }) {
  const session = useSession();
  const mayWrite = session.can("robot.write", project);
  const robots = useApi<{ robots: readonly Robot[] }>(robotsApi(project));
  const [shown, setShown] = useState<{ name: string; secret: string } | undefined>();
  const act = useAction();
  const columns: Column<Robot>[] = [
    { key: "name", header: "Name", render: (r) => r.name },
    {
      key: "permissions",
      header: "Permissions",
      render: (r) => r.grants.flatMap((g) => g.permissions).join(", "),
    },
    {
      key: "expires",
      header: "Expires",
      render: (r) => (r.expiresAt ? <Time value={r.expiresAt} /> : "never"),
    },
    { key: "status", header: "Status", render: robotStatus },
  ];
  if (mayWrite) {
    columns.push({
      key: "actions",
      header: "Actions",
      render: (r) => (
        <RobotActions
          robot={r}
          action={act}
          url={(tail = "") => `${robotsApi(project)}/${encodeURIComponent(shortName(r, project))}${tail}`}
          onRotated={setShown}
          onChanged={robots.reload}
        />
      ),
    });
  }
  return (
    <>
      <LoadedTable
        loaded={robots}
        rows={(d) => d.robots}
        what="robots"
        caption={`Robots of ${project}`}
        columns={columns}
        rowKey={(r) => r.name}
        empty="No robots."
        problemId="robot-action-problem"
        action={act}
      />
      {mayWrite && (
        <CreateRobot
          project={project}
          onCreated={(name, secret) => {
            setShown({ name, secret });
            robots.reload();
          }}
        />
      )}
      {shown && <SecretDialog name={shown.name} secret={shown.secret} onClose={() => setShown(undefined)} />}
    </>
  );
}

function CreateRobot({
  project,
  onCreated,
}: {
  project: string;
  onCreated: (name: string, secret: string) => void;
}) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [permissions, setPermissions] = useState<Set<string>>(new Set(["repository.pull"]));
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY);
  const create = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let created: { robot: Robot; secret: string } | undefined;
    const done = await create.run(async () => {
      if (permissions.size === 0) throw new Error("Choose at least one permission.");
      created = await apiSend<{ robot: Robot; secret: string }>("POST", robotsApi(project), {
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        permissions: inOrder(ROBOT_PERMISSIONS, permissions),
        ...expiryFields(expiry),
      });
    });
    if (done && created) {
      setName("");
      setDescription("");
      onCreated(created.robot.name, created.secret);
    }
  };
  return (
    <form className="admin-form" onSubmit={submit} aria-labelledby="create-robot-title">
      <h2 id="create-robot-title">Create a robot</h2>
      <NameField value={name} onChange={setName} />
      <DescriptionField value={description} onChange={setDescription} />
      <PermissionChoice
        legend="Permissions"
        choices={ROBOT_PERMISSIONS}
        chosen={permissions}
        onChange={setPermissions}
      />
      <ExpirySelect value={expiry} onChange={setExpiry} />
      <Problem id="create-robot-problem" action={create} />
      <button type="submit" disabled={create.busy}>
        Create robot
      </button>
    </form>
  );
}
