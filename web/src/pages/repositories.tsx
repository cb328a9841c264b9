import { isPaged, useApi } from "../api";
import { Failure, Loading, PageTitle, Time } from "../components/bits";
import { Pager } from "../components/pager";
import { type Column, DataTable } from "../components/table";
import { formatBytes } from "../format";
import { Link, repositoryPath, updateQuery, useLocation, useQueryParam } from "../router";
import type { Paged, RepositorySummary } from "../types";
import { repositoriesApiPath } from "./repositories-query";

const COLUMNS: readonly Column<RepositorySummary>[] = [
  {
    key: "name",
    header: "Repository",
    sort: "name",
    render: (r) => <Link to={repositoryPath(r.name)}>{r.name}</Link>,
  },
  { key: "project", header: "Project", render: (r) => r.project },
  { key: "tags", header: "Tags", numeric: true, render: (r) => r.tagCount.toLocaleString("en") },
  {
    key: "artifacts",
    header: "Artifacts",
    numeric: true,
    sort: "artifacts",
    render: (r) => r.artifactCount.toLocaleString("en"),
  },
  { key: "size", header: "Size", numeric: true, sort: "size", render: (r) => formatBytes(r.size) },
  { key: "updated", header: "Updated", sort: "updated", render: (r) => <Time value={r.updatedAt} /> },
];

/** Every repository the user may pull: search, sort and pages, all on the server and in the URL. */
export default function RepositoriesPage() {
  const location = useLocation();
  const [q, setQ] = useQueryParam("q");
  const sort = location.query.get("sort") ?? "name";
  const order = location.query.get("order") === "desc" ? "desc" : "asc";
  const path = repositoriesApiPath(location.query);
  const { data, error, loading } = useApi<Paged<RepositorySummary>>(path, isPaged);
  return (
    <>
      <PageTitle sub={data ? `${data.total.toLocaleString("en")} repositories you may pull` : undefined}>
        Repositories
      </PageTitle>
      <search className="toolbar">
        <label>
          Search{" "}
          <input
            type="search"
            name="q"
            value={q}
            placeholder="name or project"
            onChange={(event) => setQ(event.target.value, { replace: true })}
          />
        </label>
      </search>
      {error && <Failure error={error} what="the repositories" />}
      {loading && !data && <Loading what="repositories" />}
      {data && (
        <>
          <DataTable
            caption="Repositories"
            columns={COLUMNS}
            rows={data.items}
            rowKey={(r) => r.name}
            sorting={{
              by: sort,
              order,
              onSort: (by, nextOrder) =>
                updateQuery({
                  sort: by === "name" ? undefined : by,
                  order: nextOrder === "desc" ? "desc" : undefined,
                }),
            }}
            empty={q ? `No repository matches “${q}”.` : "No repositories yet: push an image to see it here."}
          />
          <Pager total={data.total} page={data.page} perPage={data.perPage} />
        </>
      )}
    </>
  );
}
