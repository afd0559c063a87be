import { batchOfHistories } from "../data/batches.js";
import { type Dataset, unknownUser } from "../data/dataset.js";
import type { Modality } from "../data/modality-types.js";
import { UserError } from "../util/errors.js";
import type { DemureRecommender } from "./recommender.js";

/** One modality of a user's explanation. */
export interface ModalityWeight {
  modality: string;
  /** π_u^m. */
  weight: number;
  /** History items that carry this modality most for the user (attention pooling weights). */
  support: Array<{ item: string; value: string; attention: number }>;
}

export interface Explanation {
  user: string;
  historyLength: number;
  modalities: ModalityWeight[];
  /** The learned strength a of the weights (`--learn-strength`); absent when fixed at 1. */
  strength?: number;
}

/** The value of modality m for item i, as a short string. */
export function modalityValue(m: Modality | undefined, item: number): string {
  if (m === undefined) return "";
  if (m.kind === "token") return m.ids[item]! > 0 ? m.tokens[m.ids[item]]! : "(missing)";
  if (m.kind === "token_seq") {
    const ids = m.ids.subarray(m.offsets[item]!, m.offsets[item + 1]!);
    if (ids.length === 0) return "(missing)";
    const shown = Array.from(ids.subarray(0, 4), (t) => m.tokens[t]!);
    return shown.join(" ") + (ids.length > 4 ? " …" : "");
  }
  return m.present[item] ? `(${m.dim}-d vector)` : "(missing)";
}

/**
 * A user's POI weights per modality, highest first, each with the history
 * items that support it: the ones the modality's attention pooling leans on.
 */
export function explainUser(
  model: DemureRecommender,
  ds: Dataset,
  userId: string,
  maxLength: number,
  top = 3,
): Explanation {
  const u = ds.userIndex.get(userId);
  if (u === undefined) throw unknownUser(ds, userId);
  const seq = ds.sequences[u]!;
  const h = seq.subarray(Math.max(0, seq.length - maxLength));
  const batch = batchOfHistories([h], maxLength);
  batch.users[0] = u;
  const out = model.poiOf(batch);
  if (out === null)
    throw new UserError(
      "this run was trained without the POI estimator (--no-poi): nothing to explain",
    );
  const names = model.modalityNames;
  const modalities = names.map((name, m) => {
    const att = out.attention[m]!;
    const dsModality = ds.modalities.find((x) => x.name === name);
    const order = supportOrder(dsModality, h, att);
    return {
      modality: name,
      weight: out.pi[m]!,
      support: order.slice(0, top).map((t) => ({
        item: ds.itemIds[h[t]]!,
        value: name === "id" ? "" : modalityValue(dsModality, h[t]!),
        attention: att[t]!,
      })),
    };
  });
  modalities.sort((a, b) => b.weight - a.weight);
  const e: Explanation = { user: userId, historyLength: seq.length, modalities };
  if (model.strength !== null) e.strength = model.strength.data[0]!;
  return e;
}

/**
 * History positions that best show a modality at work, most telling first: for
 * categorical modalities, the most recent items carrying the user's most
 * frequent value; otherwise the items the attention pooling weighs most.
 */
function supportOrder(m: Modality | undefined, h: Int32Array, att: Float32Array): number[] {
  const positions = Array.from({ length: h.length }, (_, t) => t);
  if (m === undefined || m.kind === "dense") return positions.sort((a, b) => att[b]! - att[a]!);
  const count = new Map<string, number>();
  for (const t of positions) {
    const v = modalityValue(m, h[t]!);
    if (v !== "(missing)") count.set(v, (count.get(v) ?? 0) + 1);
  }
  let best = "";
  for (const [v, c] of count) if (c > (count.get(best) ?? 0)) best = v;
  return positions.filter((t) => modalityValue(m, h[t]!) === best).reverse();
}

/** What a weight says about one of M modalities: at least 1.5× uniform is a POI, at most half of it noise. */
export function verdict(
  weight: number,
  M: number,
): "a point of interest" | "noise for this user" | "neutral" {
  const uniform = 1 / M;
  if (weight >= 1.5 * uniform) return "a point of interest";
  if (weight <= 0.5 * uniform) return "noise for this user";
  return "neutral";
}

/** The explanation in plain words, for a terminal. */
export function explanationText(e: Explanation): string {
  const lines = [
    `User ${e.user} (${e.historyLength} interactions) — points of interest, strongest first:`,
  ];
  const uniform = 1 / e.modalities.length;
  for (const m of e.modalities) {
    const bar = "█".repeat(Math.max(1, Math.round(m.weight * 30)));
    const says = verdict(m.weight, e.modalities.length);
    lines.push(`  ${m.modality.padEnd(12)} ${m.weight.toFixed(3)} ${bar}  ${says}`);
    if (m.support.length > 0 && m.weight >= uniform) {
      const items = m.support
        .map((s) => (s.value === "" ? s.item : `${s.item} (${s.value})`))
        .join(", ");
      lines.push(`  ${"".padEnd(12)} supported by: ${items}`);
    }
  }
  if (e.strength !== undefined) {
    lines.push(
      `  The model applies these weights at strength ${e.strength.toFixed(2)} (0: every modality alike, 1: in full).`,
    );
  }
  return lines.join("\n");
}
