import type { Decision } from "../types";
import { Effect, Time } from "./bits";
import { type Column, DataTable } from "./table";

const COLUMNS: readonly Column<Decision>[] = [
  { key: "at", header: "When", render: (d) => <Time value={d.at} /> },
  { key: "gate", header: "Gate", render: (d) => d.gate },
  {
    key: "effect",
    header: "Effect",
    render: (d) => (
      <>
        <Effect effect={d.effect} />
        {d.mode !== "enforce" && <span className="muted"> ({d.mode})</span>}
        {d.breakGlass && <span className="badge break-glass">break-glass</span>}
      </>
    ),
  },
  { key: "image", header: "Image", render: (d) => <span className="wrap">{d.image}</span> },
  {
    key: "who",
    header: "Who / where",
    render: (d) =>
      [d.actor, d.namespace, d.workload].filter((x): x is string => Boolean(x)).join(" · ") || "–",
  },
  {
    key: "reason",
    header: "Reason",
    render: (d) =>
      d.rules.length === 0 ? (
        d.reason
      ) : (
        <details>
          <summary>{d.reason}</summary>
          <ul className="rules">
            {d.rules.map((rule, index) => (
              // Rule ids repeat (one per image of an index): the position keeps them apart.
              // biome-ignore lint/suspicious/noArrayIndexKey: the list never reorders
              <li key={index}>
                <Effect effect={rule.outcome ?? rule.effect ?? "?"} /> <code>{rule.id}</code>: {rule.message}
              </li>
            ))}
          </ul>
        </details>
      ),
  },
];

/** Gate decisions, break-glass rows highlighted, each rule's outcome one click away. */
export function DecisionTable({ caption, decisions }: { caption: string; decisions: readonly Decision[] }) {
  return (
    <DataTable
      caption={caption}
      columns={COLUMNS}
      rows={decisions}
      rowKey={(d) => String(d.id)}
      empty="No decisions recorded."
    />
  );
}
