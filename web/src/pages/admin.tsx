import { useApi } from "../api";
import { Failure, Loading, PageTitle } from "../components/bits";
import { type Column, DataTable } from "../components/table";

interface Project {
  readonly name: string;
  readonly public?: boolean;
  readonly visibility?: string;
}

const COLUMNS: readonly Column<Project>[] = [
  { key: "name", header: "Project", render: (p) => p.name },
  {
    key: "visibility",
    header: "Visibility",
    render: (p) => p.visibility ?? (p.public === undefined ? "–" : p.public ? "public" : "private"),
  },
];

/**
 * Administration, read-only for now: the projects of the accounts API. Members, roles, robots,
 * quotas and retention are managed with `portcullis project|robot|role` until their pages exist.
 */
export default function AdminPage() {
  const { data, error, loading } = useApi<{ projects: readonly Project[] }>("/api/v1/projects");
  return (
    <>
      <PageTitle>Administration</PageTitle>
      <p>
        Members, roles, robot accounts, quotas and retention rules are managed with the{" "}
        <code>portcullis</code> command line (<code>project</code>, <code>robot</code>, <code>role</code>,{" "}
        <code>user</code>) for now.
      </p>
      {error && <Failure error={error} what="the projects" />}
      {loading && !data && <Loading what="projects" />}
      {data && <DataTable caption="Projects" columns={COLUMNS} rows={data.projects} rowKey={(p) => p.name} />}
    </>
  );
}
