import { type FormEvent, useState } from "react";
import { Problem, useAction } from "../admin/action";
import { systemTabs } from "../admin/system-tabs";
import type { Project } from "../admin/types";
import { apiSend, useApi } from "../api";
import { Failure, Loading, PageTitle } from "../components/bits";
import { type Column, DataTable } from "../components/table";
import { formatBytes } from "../format";
import { adminProjectPath, Link, navigate } from "../router";
import { useSession } from "../session";

const COLUMNS: readonly Column<Project>[] = [
  { key: "name", header: "Project", render: (p) => <Link to={adminProjectPath(p.name)}>{p.name}</Link> },
  { key: "visibility", header: "Visibility", render: (p) => (p.public ? "public" : "private") },
  {
    key: "usage",
    header: "Stored / quota",
    render: (p) =>
      `${formatBytes(p.usage.bytes)} / ${p.usage.quotaBytes === null ? "no quota" : formatBytes(p.usage.quotaBytes)}`,
  },
];

/**
 * Administration: the projects the caller reads, each a link to its members, robots, settings and
 * retention; creating a project only with system.projects; a link to the system administration for
 * holders of a system permission it needs.
 */
export default function AdminPage() {
  const session = useSession();
  const { data, error, loading, reload } = useApi<{ projects: readonly Project[] }>("/api/v1/projects");
  return (
    <>
      <PageTitle>Administration</PageTitle>
      {error && <Failure error={error} what="the projects" />}
      {loading && !data && <Loading what="projects" />}
      {data && (
        <DataTable
          caption="Projects"
          columns={COLUMNS}
          rows={data.projects}
          rowKey={(p) => p.name}
          empty="No projects yet."
        />
      )}
      {session.can("system.projects") && <CreateProject onCreated={reload} />}
      {systemTabs((permission) => session.can(permission)).length > 0 && (
        <p>
          <Link to="/admin/system">System administration</Link>: users, groups, custom roles and system
          robots.
        </p>
      )}
    </>
  );
}

function CreateProject({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [isPublic, setPublic] = useState(false);
  const create = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const wanted = name.trim();
    const done = await create.run(async () => {
      await apiSend("POST", "/api/v1/projects", { name: wanted, public: isPublic });
    });
    if (done) {
      onCreated();
      navigate(adminProjectPath(wanted));
    }
  };
  return (
    <form className="admin-form" onSubmit={submit} aria-labelledby="create-project-title">
      <h2 id="create-project-title">Create a project</h2>
      <label>
        Name (the first part of its repositories' names)
        <input required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="inline">
        <input type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} />
        Public (anyone, also signed out, may pull)
      </label>
      <Problem id="create-project-problem" action={create} />
      <button type="submit" disabled={create.busy}>
        Create project
      </button>
    </form>
  );
}
