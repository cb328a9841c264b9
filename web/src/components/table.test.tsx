// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Column, DataTable } from "./table";

interface Row {
  name: string;
  size: number;
}

const COLUMNS: readonly Column<Row>[] = [
  { key: "name", header: "Name", sort: "name", render: (r) => <a href={`/r/${r.name}`}>{r.name}</a> },
  {
    key: "size",
    header: "Size",
    sort: "size",
    numeric: true,
    render: (r) => <button type="button">{r.size}</button>,
  },
];
const ROWS: Row[] = [
  { name: "alpha", size: 1 },
  { name: "beta", size: 2 },
  { name: "gamma", size: 3 },
];

afterEach(cleanup);

function Selectable() {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  return (
    <>
      <output data-testid="selected">{[...selected].sort().join(",")}</output>
      <DataTable
        caption="Things"
        columns={COLUMNS}
        rows={ROWS}
        rowKey={(r) => r.name}
        selection={{ selected, onChange: setSelected, label: (k) => k }}
      />
    </>
  );
}

describe("DataTable", () => {
  it("is a captioned table whose sortable headers say how it is sorted", () => {
    const onSort = vi.fn();
    render(
      <DataTable
        caption="Things"
        columns={COLUMNS}
        rows={ROWS}
        rowKey={(r) => r.name}
        sorting={{ by: "name", order: "asc", onSort }}
      />,
    );
    const table = screen.getByRole("table", { name: "Things" });
    const headers = within(table).getAllByRole("columnheader");
    expect(headers.map((h) => h.getAttribute("aria-sort"))).toEqual(["ascending", null]);
    fireEvent.click(within(headers[0]!).getByRole("button"));
    expect(onSort).toHaveBeenLastCalledWith("name", "desc");
    fireEvent.click(within(headers[1]!).getByRole("button"));
    expect(onSort).toHaveBeenLastCalledWith("size", "asc");
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    // The scroller is a named region in the tab order.
    expect(screen.getByRole("region", { name: "Things" }).tabIndex).toBe(0);
  });

  it("says so when there are no rows", () => {
    render(
      <DataTable caption="Empty" columns={COLUMNS} rows={[]} rowKey={(r) => r.name} empty="Nothing yet." />,
    );
    expect(screen.getByText("Nothing yet.")).toBeTruthy();
  });

  it("moves focus between rows with the arrow keys, in the same column, and Home/End", () => {
    render(<DataTable caption="Things" columns={COLUMNS} rows={ROWS} rowKey={(r) => r.name} />);
    const alpha = screen.getByText("alpha");
    alpha.focus();
    fireEvent.keyDown(alpha, { key: "ArrowDown" });
    expect(document.activeElement).toBe(screen.getByText("beta"));
    fireEvent.keyDown(document.activeElement!, { key: "End" });
    expect(document.activeElement).toBe(screen.getByText("gamma"));
    fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    expect(document.activeElement).toBe(screen.getByText("gamma"));
    fireEvent.keyDown(document.activeElement!, { key: "Home" });
    expect(document.activeElement).toBe(screen.getByText("alpha"));
    const two = screen.getByRole("button", { name: "2" });
    two.focus();
    fireEvent.keyDown(two, { key: "ArrowUp" });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "1" }));
  });

  it("selects rows one by one or the whole page", () => {
    render(<Selectable />);
    fireEvent.click(screen.getByRole("checkbox", { name: "Select beta" }));
    expect(screen.getByTestId("selected").textContent).toBe("beta");
    fireEvent.click(screen.getByRole("checkbox", { name: "Select every row on this page" }));
    expect(screen.getByTestId("selected").textContent).toBe("alpha,beta,gamma");
    fireEvent.click(screen.getByRole("checkbox", { name: "Select every row on this page" }));
    expect(screen.getByTestId("selected").textContent).toBe("");
  });
});
