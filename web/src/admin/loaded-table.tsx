import type { Loaded } from "../api";
import { Failure, Loading } from "../components/bits";
import { type Column, DataTable } from "../components/table";
import { type Action, Problem } from "./action";

/**
 * An admin tab's list as every tab shows it: the load's failure or progress, the table once loaded, and
 * the last row action's problem under it. `what` names the rows ("robots": "Loading robots…", "Could not
 * load the robots"), so each tab keeps its own words while the shape stays in one place.
 */
export function LoadedTable<D, T>({
  loaded,
  rows,
  what,
  caption,
  columns,
  rowKey,
  empty,
  problemId,
  action,
}: {
  loaded: Loaded<D>;
  rows: (data: D) => readonly T[];
  what: string;
  caption: string;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: string;
  problemId: string;
  action: Action;
}) {
  return (
    <>
      {loaded.error && <Failure error={loaded.error} what={`the ${what}`} />}
      {loaded.loading && !loaded.data && <Loading what={what} />}
      {loaded.data && (
        <DataTable
          caption={caption}
          columns={columns}
          rows={rows(loaded.data)}
          rowKey={rowKey}
          empty={empty}
        />
      )}
      <Problem id={problemId} action={action} />
    </>
  );
}
