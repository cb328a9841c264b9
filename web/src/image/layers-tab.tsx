import { Digest, Time } from "../components/bits";
import { type Column, DataTable } from "../components/table";
import { formatBytes } from "../format";
import type { HistoryEntry, ImageOverview, Layer } from "../types";

const LAYERS: readonly Column<Layer & { index: number }>[] = [
  { key: "n", header: "#", numeric: true, render: (l) => l.index + 1 },
  { key: "digest", header: "Digest", render: (l) => <Digest value={l.digest} /> },
  { key: "size", header: "Size", numeric: true, render: (l) => formatBytes(l.size) },
  { key: "by", header: "Created by", render: (l) => <code className="wrap">{l.createdBy ?? "–"}</code> },
];

const HISTORY: readonly Column<HistoryEntry & { index: number }>[] = [
  { key: "n", header: "#", numeric: true, render: (h) => h.index + 1 },
  { key: "created", header: "Created", render: (h) => <Time value={h.created} /> },
  { key: "by", header: "Instruction", render: (h) => <code className="wrap">{h.createdBy ?? "–"}</code> },
  { key: "empty", header: "Layer", render: (h) => (h.emptyLayer ? "none (metadata)" : "yes") },
  { key: "comment", header: "Comment", render: (h) => h.comment ?? "" },
];

/** The layers with their sizes and the Dockerfile history from the image config. */
export function LayersTab({ image }: { image: ImageOverview }) {
  if (!image.image) return <p>This is an index: pick a platform to see its layers.</p>;
  const total = image.image.layers.reduce((sum, l) => sum + l.size, 0);
  return (
    <>
      <DataTable
        caption={`Layers (${formatBytes(total)} compressed)`}
        columns={LAYERS}
        rows={image.image.layers.map((l, index) => ({ ...l, index }))}
        rowKey={(l) => `${l.index}`}
      />
      <DataTable
        caption="History (the build's steps, from the image config)"
        columns={HISTORY}
        rows={image.image.history.map((h, index) => ({ ...h, index }))}
        rowKey={(h) => `${h.index}`}
        empty="The image config records no history."
      />
    </>
  );
}
