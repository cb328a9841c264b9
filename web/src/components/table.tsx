import { type KeyboardEvent, type ReactNode, useRef } from "react";

/**
 * The console's tables: a real <table> with a caption, column headers that sort (a button in the
 * header cell, `aria-sort` on it), optional row selection, and arrow-key movement between rows:
 * ↑/↓ move focus to the same kind of control in the row above or below, Home/End to the first or last
 * row. Cells render text through React, so a hostile name stays text.
 */
export interface Column<T> {
  readonly key: string;
  readonly header: string;
  readonly render: (row: T) => ReactNode;
  /** The server's sort key, when the column sorts. */
  readonly sort?: string;
  readonly numeric?: boolean;
}

export interface Sorting {
  readonly by: string;
  readonly order: "asc" | "desc";
  readonly onSort: (by: string, order: "asc" | "desc") => void;
}

export interface Selection {
  readonly selected: ReadonlySet<string>;
  readonly onChange: (next: Set<string>) => void;
  /** What a row is called in the checkbox's label ("sha256:…"). */
  readonly label: (key: string) => string;
}

export interface DataTableProps<T> {
  readonly caption: string;
  readonly columns: readonly Column<T>[];
  readonly rows: readonly T[];
  readonly rowKey: (row: T) => string;
  readonly sorting?: Sorting;
  readonly selection?: Selection;
  readonly empty?: ReactNode;
}

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), [tabindex='0']";

export function moveFocus(event: KeyboardEvent<HTMLElement>, container: HTMLElement | null): void {
  if (!container || !["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) return;
  const target = event.target as HTMLElement;
  const row = target.closest("tbody tr");
  if (!row) return;
  const rows = [...container.querySelectorAll("tbody tr")];
  const index = rows.indexOf(row);
  const cell = target.closest("td, th");
  const column = cell ? [...row.children].indexOf(cell) : 0;
  const next =
    event.key === "ArrowDown"
      ? rows[index + 1]
      : event.key === "ArrowUp"
        ? rows[index - 1]
        : event.key === "Home"
          ? rows[0]
          : rows[rows.length - 1];
  if (!next || next === row) return;
  const sameColumn = next.children[column]?.querySelector<HTMLElement>(FOCUSABLE);
  const focus = sameColumn ?? next.querySelector<HTMLElement>(FOCUSABLE);
  if (!focus) return;
  event.preventDefault();
  focus.focus();
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  sorting,
  selection,
  empty,
}: DataTableProps<T>) {
  const ref = useRef<HTMLTableElement>(null);
  const keys = rows.map(rowKey);
  const allSelected =
    selection !== undefined && keys.length > 0 && keys.every((k) => selection.selected.has(k));
  return (
    <ScrollRegion label={caption}>
      <table ref={ref} className="data" onKeyDown={(event) => moveFocus(event, ref.current)}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {selection && (
              <th scope="col" className="select">
                <input
                  type="checkbox"
                  aria-label="Select every row on this page"
                  checked={allSelected}
                  onChange={(event) =>
                    selection.onChange(event.target.checked ? new Set(keys) : new Set<string>())
                  }
                />
              </th>
            )}
            {columns.map((column) => {
              const active = sorting && column.sort && sorting.by === column.sort;
              return (
                <th
                  key={column.key}
                  scope="col"
                  className={column.numeric ? "numeric" : undefined}
                  aria-sort={active ? (sorting.order === "asc" ? "ascending" : "descending") : undefined}
                >
                  {sorting && column.sort ? (
                    <button
                      type="button"
                      className="sort"
                      onClick={() =>
                        sorting.onSort(column.sort!, active && sorting.order === "asc" ? "desc" : "asc")
                      }
                    >
                      {column.header}
                      <span aria-hidden="true">
                        {active ? (sorting.order === "asc" ? " ▲" : " ▼") : " ↕"}
                      </span>
                    </button>
                  ) : (
                    column.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length + (selection ? 1 : 0)} className="empty">
                {empty ?? "Nothing here."}
              </td>
            </tr>
          ) : (
            rows.map((row, index) => {
              const key = keys[index]!;
              return (
                <tr key={key} className={selection?.selected.has(key) ? "selected" : undefined}>
                  {selection && (
                    <td className="select">
                      <input
                        type="checkbox"
                        aria-label={`Select ${selection.label(key)}`}
                        checked={selection.selected.has(key)}
                        onChange={(event) => {
                          const next = new Set(selection.selected);
                          if (event.target.checked) next.add(key);
                          else next.delete(key);
                          selection.onChange(next);
                        }}
                      />
                    </td>
                  )}
                  {columns.map((column) => (
                    <td key={column.key} className={column.numeric ? "numeric" : undefined}>
                      {column.render(row)}
                    </td>
                  ))}
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/**
 * A wide table's horizontal scroller: a named region in the tab order, so keyboard users can scroll
 * it too (WCAG 2.1.1; axe's scrollable-region-focusable).
 */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="table-scroll" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
