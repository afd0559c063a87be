import { PROTOCOLS, type ProtocolName, reportedMetrics } from "../train/protocol.js";

/** Plain-text tables for terminals. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * "test (protocol loo): hr@10 0.1234  ndcg@10 ..." with the protocol's
 * reported metrics: HR/NDCG/MRR@10/20 under loo, recall/NDCG/NDCG_ComiRec/hit
 * @20/50 under user-split.
 */
export function formatMetrics(
  label: string,
  m: Record<string, number>,
  protocol: ProtocolName,
): string {
  const keys = PROTOCOLS[protocol].reported.filter((k) => k in m);
  return `${label} (protocol ${protocol}): ${keys.map((k) => `${k} ${m[k]!.toFixed(4)}`).join("  ")}`;
}

/** The contract's "test" object: exactly the protocol's reported metrics (CONTRACT.md). */
export function contractMetrics(
  m: Record<string, number>,
  protocol: ProtocolName,
): Record<string, number> {
  return reportedMetrics(protocol, m);
}
