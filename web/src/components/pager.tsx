import { hrefWith, Link, useLocation } from "../router";

/** Previous / next links for a server-paged list, each a URL (`?page=`), with "x–y of total". */
export function Pager({ total, page, perPage }: { total: number; page: number; perPage: number }) {
  const location = useLocation();
  const pages = Math.max(1, Math.ceil(total / perPage));
  const first = total === 0 ? 0 : (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  const link = (n: number) =>
    hrefWith(location.path, { ...Object.fromEntries(location.query), page: n === 1 ? undefined : n });
  return (
    <nav className="pager" aria-label="Pages">
      <span>
        {first.toLocaleString("en")}–{last.toLocaleString("en")} of {total.toLocaleString("en")}
      </span>
      {page > 1 ? <Link to={link(page - 1)}>← Previous</Link> : <span aria-hidden="true">← Previous</span>}
      <span>
        Page {page} of {pages}
      </span>
      {page < pages ? <Link to={link(page + 1)}>Next →</Link> : <span aria-hidden="true">Next →</span>}
    </nav>
  );
}
