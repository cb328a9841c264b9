import { type FormEvent, useState } from "react";
import { apiSend, useApi } from "../api";
import { Time } from "../components/bits";
import type { Column } from "../components/table";
import { Problem, useAction } from "./action";
import { DescriptionField, NameField } from "./form-fields";
import { LoadedTable } from "./loaded-table";
import { inOrder, PermissionChoice } from "./permission-choice";
import { DEFAULT_EXPIRY, ExpirySelect, expiryFields } from "./robot-expiry";
import { RobotActions, robotStatus } from "./row-action";
import { SecretDialog } from "./secret-dialog";
import { PROJECT_PERMISSIONS, type Project, ROBOT_SYSTEM_PERMISSIONS, type Robot } from "./types";

const ROBOTS = "/api/v1/robots";

/** `robot$ci` → `ci`, the name the system routes take. */
function shortName(robot: Robot): string {
  return robot.name.startsWith("robot$") ? robot.name.slice("robot$".length) : robot.name;
}

/** A robot's grants as text: `team (*): repository.pull, …; runtime.write`. */
export function grantsText(robot: Robot): string {
  return [
    ...robot.grants.map((g) => `${g.project} (${g.repositories.join(", ")}): ${g.permissions.join(", ")}`),
    ...(robot.systemPermissions ?? []),
  ].join("; ");
}

/**
 * System robots (system.robots): robots whose grants span projects, and that may hold runtime.write.
 * Create, rotate (the new secret shown once, in a dialog), revoke and delete.
 */
export function SystemRobotsTab() {
  const robots = useApi<{ robots: readonly Robot[] }>(ROBOTS);
  const [shown, setShown] = useState<
    { name: string; secret: string; expiresAt: string | null } | undefined
  >();
  const act = useAction();
  const robotApi = (r: Robot, tail = "") => `${ROBOTS}/${encodeURIComponent(shortName(r))}${tail}`;
  const columns: Column<Robot>[] = [
    { key: "name", header: "Name", render: (r) => r.name },
    { key: "grants", header: "Grants", render: grantsText },
    {
      key: "expires",
      header: "Expires",
      render: (r) => (r.expiresAt ? <Time value={r.expiresAt} /> : "never"),
    },
    { key: "status", header: "Status", render: robotStatus },
    {
      key: "actions",
      header: "Actions",
      render: (r) => (
        <RobotActions
          robot={r}
          action={act}
          url={(tail) => robotApi(r, tail)}
          onRotated={(answer) => setShown({ ...answer, expiresAt: r.expiresAt })}
          onChanged={robots.reload}
          deletable
        />
      ),
    },
  ];
  return (
    <>
      <LoadedTable
        loaded={robots}
        rows={(d) => d.robots}
        what="system robots"
        caption="System robots"
        columns={columns}
        rowKey={(r) => r.name}
        empty="No system robots."
        problemId="system-robot-action-problem"
        action={act}
      />
      <CreateSystemRobot
        onCreated={(robot, secret) => {
          setShown({ name: robot.name, secret, expiresAt: robot.expiresAt });
          robots.reload();
        }}
      />
      {shown && (
        <SecretDialog
          name={shown.name}
          secret={shown.secret}
          expiresAt={shown.expiresAt}
          onClose={() => setShown(undefined)}
        />
      )}
    </>
  );
}

interface GrantDraft {
  readonly key: number;
  readonly project: string;
  readonly repositories: string;
  readonly permissions: Set<string>;
}

/** The grants a form's drafts ask for: repositories as a comma list of globs, `*` when empty. */
export function grantsOf(drafts: readonly GrantDraft[]) {
  return drafts.map((d) => {
    const repositories = d.repositories
      .split(",")
      .map((r) => r.trim())
      .filter((r) => r !== "");
    if (d.permissions.size === 0)
      throw new Error(`Choose at least one permission in ${d.project || "each grant"}.`);
    return {
      project: d.project,
      repositories: repositories.length === 0 ? ["*"] : repositories,
      permissions: inOrder(PROJECT_PERMISSIONS, d.permissions),
    };
  });
}

/**
 * The form for a system robot. Its grants can name only the projects GET /api/v1/projects answers: the
 * ones the caller may read (all of them for an administrator, who holds every permission). The server
 * checks the projects exist and that the caller holds the system permissions it hands on.
 */
function CreateSystemRobot({ onCreated }: { onCreated: (robot: Robot, secret: string) => void }) {
  const projects = useApi<{ projects: readonly Project[] }>("/api/v1/projects");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [drafts, setDrafts] = useState<GrantDraft[]>([]);
  const [nextKey, setNextKey] = useState(1);
  const [system, setSystem] = useState<Set<string>>(new Set());
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY);
  const create = useAction();
  const change = (key: number, patch: Partial<GrantDraft>) =>
    setDrafts(drafts.map((d) => (d.key === key ? { ...d, ...patch } : d)));
  const addGrant = () => {
    const first = projects.data?.projects[0]?.name ?? "";
    setDrafts([
      ...drafts,
      { key: nextKey, project: first, repositories: "*", permissions: new Set(["repository.pull"]) },
    ]);
    setNextKey(nextKey + 1);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let created: { robot: Robot; secret: string } | undefined;
    const done = await create.run(async () => {
      if (drafts.length === 0 && system.size === 0)
        throw new Error("Add a project grant or a system permission.");
      created = await apiSend<{ robot: Robot; secret: string }>("POST", ROBOTS, {
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        grants: grantsOf(drafts),
        ...(system.size > 0 ? { systemPermissions: inOrder(ROBOT_SYSTEM_PERMISSIONS, system) } : {}),
        ...expiryFields(expiry),
      });
    });
    if (done && created) {
      setName("");
      setDescription("");
      setDrafts([]);
      setSystem(new Set());
      setExpiry("90d");
      onCreated(created.robot, created.secret);
    }
  };
  return (
    <form className="admin-form" onSubmit={submit} aria-labelledby="create-system-robot-title">
      <h2 id="create-system-robot-title">Create a system robot</h2>
      <NameField value={name} onChange={setName} />
      <DescriptionField value={description} onChange={setDescription} />
      {drafts.map((draft, index) => (
        <fieldset key={draft.key} className="grant">
          <legend>Project grant {index + 1}</legend>
          <label>
            Project
            <select value={draft.project} onChange={(e) => change(draft.key, { project: e.target.value })}>
              {(projects.data?.projects ?? []).map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Repositories (globs inside the project, comma-separated; * for all)
            <input
              value={draft.repositories}
              onChange={(e) => change(draft.key, { repositories: e.target.value })}
            />
          </label>
          <PermissionChoice
            legend={`Permissions in grant ${index + 1}`}
            choices={PROJECT_PERMISSIONS}
            chosen={draft.permissions}
            onChange={(permissions) => change(draft.key, { permissions })}
          />
          <button type="button" onClick={() => setDrafts(drafts.filter((d) => d.key !== draft.key))}>
            Remove grant {index + 1}
          </button>
        </fieldset>
      ))}
      {projects.data?.projects.length === 0 && (
        <p className="muted">No project you can read: a grant needs one.</p>
      )}
      <button
        type="button"
        onClick={addGrant}
        disabled={!projects.data || projects.data.projects.length === 0}
      >
        Add a project grant
      </button>
      <PermissionChoice
        legend="System permissions"
        choices={ROBOT_SYSTEM_PERMISSIONS}
        chosen={system}
        onChange={setSystem}
      />
      <ExpirySelect value={expiry} onChange={setExpiry} />
      <Problem id="create-system-robot-problem" action={create} />
      <button type="submit" disabled={create.busy}>
        Create system robot
      </button>
    </form>
  );
}
