import { useState } from "react";
import { apiSend, isPaged, manifestApi, repositoryApi, useApi } from "../api";
import { Digest, Effect, Failure, Loading, PageTitle, SeverityBadges, Time } from "../components/bits";
import { Pager } from "../components/pager";
import { type Column, DataTable } from "../components/table";
import { formatBytes, plural } from "../format";
import { hrefWith, imagePath, Link, pageParam, updateQuery, useLocation, useQueryParam } from "../router";
import { useSession } from "../session";
import type { Artifact, Paged } from "../types";

const PER_PAGE = 50;

function columns(repository: string): readonly Column<Artifact>[] {
  return [
    {
      key: "digest",
      header: "Digest",
      render: (a) => (
        <Link to={imagePath(repository, a.digest)}>
          <Digest value={a.digest} />
        </Link>
      ),
    },
    {
      key: "tags",
      header: "Tags",
      render: (a) =>
        a.tags.length === 0 ? (
          <span className="muted">untagged</span>
        ) : (
          <span className="tags">
            {a.tags.map((tag) => (
              <span key={tag} className="tag">
                {tag}
              </span>
            ))}
          </span>
        ),
    },
    { key: "size", header: "Size", numeric: true, sort: "size", render: (a) => formatBytes(a.size) },
    { key: "pushed", header: "Pushed", sort: "pushed", render: (a) => <Time value={a.pushedAt} /> },
    { key: "by", header: "By", render: (a) => a.pushedBy ?? <span className="muted">–</span> },
    {
      key: "platforms",
      header: "Platforms",
      render: (a) => (a.platforms.length ? a.platforms.join(", ") : <span className="muted">–</span>),
    },
    {
      key: "signed",
      header: "Signed",
      render: (a) =>
        a.signed.signatures === 0 ? (
          <span className="badge bad" title="no signature">
            ✗ <span className="visually-hidden">not signed</span>
          </span>
        ) : (
          <span
            className={`badge ${a.signed.verified === false ? "bad" : a.signed.verified ? "ok" : "unknown"}`}
            title={a.signed.by.join(", ") || undefined}
          >
            ✓{" "}
            {a.signed.verified === false
              ? "unverified"
              : a.signed.by.join(", ") || plural(a.signed.signatures, "signature")}
          </span>
        ),
    },
    {
      key: "scan",
      header: "Vulnerabilities",
      render: (a) =>
        a.scan.status === "done" ? (
          <SeverityBadges counts={a.scan.counts} />
        ) : (
          <span className="muted">{a.scan.status === "none" ? "not scanned" : a.scan.status}</span>
        ),
    },
    {
      key: "verdict",
      header: "Last verdict",
      render: (a) =>
        a.verdict ? (
          <span title={a.verdict.reason}>
            <Effect effect={a.verdict.effect} /> {a.verdict.gate}
          </span>
        ) : (
          <span className="muted">–</span>
        ),
    },
  ];
}

/** One repository's images and indexes: what each is, who vouches for it, what the gates said. */
export default function RepositoryPage({ name }: { name: string }) {
  const session = useSession();
  const location = useLocation();
  const [q, setQ] = useQueryParam("q");
  const sort = location.query.get("sort") ?? "pushed";
  const order = location.query.get("order") === "asc" ? "asc" : "desc";
  const page = pageParam(location.query);
  const path = hrefWith(`${repositoryApi(name)}/artifacts`, { q, sort, order, page, perPage: PER_PAGE });
  const { data, error, loading, reload } = useApi<Paged<Artifact>>(path, isPaged);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<string>("");
  const mayDelete = session.can("repository.delete", name);
  const mayScan = session.can("scan.run", name);
  const bulk = mayDelete || mayScan;

  const act = async (what: "delete" | "scan") => {
    const digests = [...selected];
    if (
      what === "delete" &&
      !window.confirm(`Delete ${plural(digests.length, "image")} from ${name}? Their tags go too.`)
    )
      return;
    const failures: string[] = [];
    for (const digest of digests) {
      try {
        if (what === "delete") await apiSend("DELETE", manifestApi(name, digest));
        else await apiSend("POST", `${manifestApi(name, digest)}/scan`);
      } catch (err) {
        failures.push(`${digest}: ${(err as Error).message}`);
      }
    }
    const done = digests.length - failures.length;
    setOutcome(
      `${what === "delete" ? "Deleted" : "Re-scan queued for"} ${plural(done, "image")}.` +
        (failures.length ? ` Failed: ${failures.join("; ")}` : ""),
    );
    setSelected(new Set());
    reload();
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/repositories">Repositories</Link> / <span>{name}</span>
      </nav>
      <PageTitle sub={data ? plural(data.total, "image") : undefined}>{name}</PageTitle>
      <search className="toolbar">
        <label>
          Tag or digest{" "}
          <input
            type="search"
            name="q"
            value={q}
            placeholder="v1.2 or sha256:ab…"
            onChange={(event) => setQ(event.target.value, { replace: true })}
          />
        </label>
        {bulk && (
          <fieldset className="bulk" disabled={selected.size === 0}>
            <legend className="visually-hidden">With the selected images</legend>
            <span>{plural(selected.size, "selected image")}</span>
            {mayScan && (
              <button type="button" onClick={() => act("scan")}>
                Re-scan
              </button>
            )}
            {mayDelete && (
              <button type="button" className="danger" onClick={() => act("delete")}>
                Delete
              </button>
            )}
          </fieldset>
        )}
      </search>
      <p role="status" className="outcome">
        {outcome}
      </p>
      {error && <Failure error={error} what={`the images of ${name}`} />}
      {loading && !data && <Loading what="images" />}
      {data && (
        <>
          <DataTable
            caption={`Images in ${name}`}
            columns={columns(name)}
            rows={data.items}
            rowKey={(a) => a.digest}
            sorting={{
              by: sort,
              order,
              onSort: (by, next) =>
                updateQuery({
                  sort: by === "pushed" ? undefined : by,
                  order: next === "desc" ? undefined : next,
                }),
            }}
            {...(bulk
              ? { selection: { selected, onChange: setSelected, label: (digest: string) => digest } }
              : {})}
            empty={q ? `No image matches “${q}”.` : "No images in this repository."}
          />
          <Pager total={data.total} page={data.page} perPage={data.perPage} />
        </>
      )}
    </>
  );
}
