/** Plain-text tables for terminals. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** "test  hr@10 0.1234  ndcg@10 ..." for the @10 and @20 metrics. */
export function formatMetrics(label: string, m: Record<string, number>): string {
  const keys = ["hr@10", "ndcg@10", "mrr@10", "hr@20", "ndcg@20", "mrr@20"].filter((k) => k in m);
  return `${label}: ${keys.map((k) => `${k} ${m[k]!.toFixed(4)}`).join("  ")}`;
}

/** The contract's "test" object: the @10 and @20 metrics. */
export function contractMetrics(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ["hr@10", "ndcg@10", "mrr@10", "hr@20", "ndcg@20", "mrr@20"])
    if (k in m) out[k] = m[k]!;
  return out;
}
