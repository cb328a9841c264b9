import { isPaged, useApi } from "../api";
import { Failure, Loading } from "../components/bits";
import { DecisionTable } from "../components/decision-table";
import { Pager } from "../components/pager";
import { hrefWith, pageParam, useLocation } from "../router";
import type { Decision, Paged } from "../types";

/** Every push, pull and admission decision on this digest, with each rule's reason. */
export function DecisionsTab({ api }: { api: string }) {
  const location = useLocation();
  const page = pageParam(location.query);
  const { data, error, loading } = useApi<Paged<Decision>>(
    hrefWith(`${api}/decisions`, { page, perPage: 50 }),
    isPaged,
  );
  if (error) return <Failure error={error} what="the decisions" />;
  if (loading || !data) return <Loading what="decisions" />;
  return (
    <>
      <DecisionTable caption="Decisions on this image" decisions={data.items} />
      <Pager total={data.total} page={data.page} perPage={data.perPage} />
    </>
  );
}
