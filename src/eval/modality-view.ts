/**
 * A read-only view of one modality of every item, for evaluation heuristics
 * that need cosine similarities between items (the coherence baseline). Item
 * ids are 1..numItems; slot 0 (padding) is never read. The three shapes use the
 * same field names as the data layer's modalities (`src/data/modality-types.ts`),
 * so a `TokenModality`, `TokenSeqModality` or `DenseModality` is already a view.
 *
 * - `dense`: a `(numItems + 1) x dim` Float32Array, row-major. Cosine as usual.
 * - `token`: one token id per item (genre, brand...). As a one-hot vector, the
 *   cosine of two items is 1 when the ids are equal and 0 otherwise.
 * - `token_seq`: a set of token ids per item, in CSR form. As a normalised
 *   multi-hot vector (a set: repeats count once), cosine(A, B) = |A n B| / sqrt(|A| |B|).
 *
 * Categorical modalities never become dense one-hot vectors: cosines and sums
 * of unit vectors are computed on the sparse form.
 *
 * An item is missing in a modality when `present[i] === 0`, and also when its
 * value is degenerate (a zero or non-finite dense vector, a token id <= 0, an
 * empty list): such an item has no direction, so it takes part in no cosine.
 */
import { UserError } from "../util/errors.js";

/** Dense vectors: item `i` is `values[i * dim .. (i + 1) * dim)`. */
export interface DenseView {
  kind: "dense";
  dim: number;
  values: Float32Array;
  /** Optional mask over `0..numItems`; 0 = missing. */
  present?: Uint8Array;
}

/** One token id per item (`ids[i]`, length numItems + 1); an id <= 0 = missing. */
export interface TokenView {
  kind: "token";
  ids: Int32Array;
  present?: Uint8Array;
}

/**
 * A set of token ids per item: item `i` holds `ids[offsets[i] .. offsets[i + 1])`
 * (any order; repeats and ids <= 0 are ignored). `offsets` has length
 * numItems + 2. An empty set = missing.
 */
export interface TokenListView {
  kind: "token_seq";
  offsets: Int32Array;
  ids: Int32Array;
  present?: Uint8Array;
}

/** One modality of every item, in one of the shapes above. */
export type ModalityView = DenseView | TokenView | TokenListView;

/** Build a {@link DenseView}, checking that `values` holds whole rows. */
export function denseView(values: Float32Array, dim: number, present?: Uint8Array): DenseView {
  if (!Number.isInteger(dim) || dim < 1 || values.length % dim !== 0 || values.length < dim) {
    throw new UserError(`dense modality: ${values.length} values are not whole rows of ${dim}`);
  }
  const v: DenseView = { kind: "dense", dim, values };
  if (present !== undefined) v.present = present;
  return v;
}

/** Build a {@link TokenView} from token ids indexed by item (index 0 = padding). */
export function tokenView(ids: ArrayLike<number>, present?: Uint8Array): TokenView {
  const v: TokenView = { kind: "token", ids: Int32Array.from(ids) };
  if (present !== undefined) v.present = present;
  return v;
}

/**
 * Build a {@link TokenListView} from per-item token lists indexed by item (index
 * 0 = padding); null or empty lists mean missing.
 */
export function tokenListView(
  lists: ArrayLike<ArrayLike<number> | null | undefined>,
  present?: Uint8Array,
): TokenListView {
  const offsets = new Int32Array(lists.length + 1);
  const all: number[] = [];
  for (let i = 0; i < lists.length; i++) {
    const l = lists[i];
    if (l) for (let k = 0; k < l.length; k++) all.push(l[k]);
    offsets[i + 1] = all.length;
  }
  const v: TokenListView = { kind: "token_seq", offsets, ids: Int32Array.from(all) };
  if (present !== undefined) v.present = present;
  return v;
}

/** Number of real items the view covers (its rows minus the padding row). */
export function viewNumItems(view: ModalityView): number {
  switch (view.kind) {
    case "dense":
      return view.values.length / view.dim - 1;
    case "token":
      return view.ids.length - 1;
    case "token_seq":
      return view.offsets.length - 2;
  }
}

/** Sorted, distinct, positive ids per item: the normalised multi-hot form. */
function normaliseSets(
  offsets: Int32Array,
  ids: Int32Array,
): { offsets: Int32Array; ids: Int32Array } {
  const out = new Int32Array(ids.length);
  const off = new Int32Array(offsets.length);
  let n = 0;
  for (let i = 0; i + 1 < offsets.length; i++) {
    const set = ids.slice(offsets[i], offsets[i + 1]).sort();
    for (let k = 0; k < set.length; k++) {
      if (set[k] > 0 && (k === 0 || set[k] !== set[k - 1])) out[n++] = set[k];
    }
    off[i + 1] = n;
  }
  return { offsets: off, ids: out.slice(0, n) };
}

/**
 * Cosine geometry of one modality: presence, pairwise cosines and the sum of
 * unit vectors of a set of items, all on the view's own (sparse) form.
 */
export class ModalityCosine {
  readonly numItems: number;
  /** Dense: 1 / |x_i| (0 = missing). */
  private readonly invNorm: Float64Array | null = null;
  private readonly sum: Float64Array | null = null;
  /** token_seq: the normalised sets. */
  private readonly sets: { offsets: Int32Array; ids: Int32Array } | null = null;
  private readonly bag = new Map<number, number>();

  constructor(readonly view: ModalityView) {
    this.numItems = viewNumItems(view);
    if (view.kind === "dense") {
      const { dim, values } = view;
      this.invNorm = new Float64Array(this.numItems + 1);
      for (let i = 1; i <= this.numItems; i++) {
        let s = 0;
        for (let k = i * dim; k < (i + 1) * dim; k++) s += values[k] * values[k];
        this.invNorm[i] = s > 0 && Number.isFinite(s) ? 1 / Math.sqrt(s) : 0;
      }
      this.sum = new Float64Array(dim);
    } else if (view.kind === "token_seq") {
      this.sets = normaliseSets(view.offsets, view.ids);
    }
  }

  /** Whether item `i` has a usable value (present and non-degenerate). */
  present(i: number): boolean {
    const v = this.view;
    if (v.present !== undefined && v.present[i] === 0) return false;
    switch (v.kind) {
      case "dense":
        return (this.invNorm as Float64Array)[i] > 0;
      case "token":
        return v.ids[i] > 0;
      case "token_seq": {
        const o = (this.sets as { offsets: Int32Array }).offsets;
        return o[i + 1] > o[i];
      }
    }
  }

  /** Cosine between two present items. */
  cosine(a: number, b: number): number {
    const v = this.view;
    switch (v.kind) {
      case "dense": {
        const { dim, values } = v;
        let dot = 0;
        for (let k = 0; k < dim; k++) dot += values[a * dim + k] * values[b * dim + k];
        const inv = this.invNorm as Float64Array;
        return dot * inv[a] * inv[b];
      }
      case "token":
        return v.ids[a] === v.ids[b] ? 1 : 0;
      case "token_seq": {
        const { offsets, ids } = this.sets as { offsets: Int32Array; ids: Int32Array };
        let p = offsets[a];
        let q = offsets[b];
        const pe = offsets[a + 1];
        const qe = offsets[b + 1];
        const size = (pe - p) * (qe - q);
        let common = 0;
        while (p < pe && q < qe) {
          if (ids[p] === ids[q]) {
            common++;
            p++;
            q++;
          } else if (ids[p] < ids[q]) p++;
          else q++;
        }
        return common / Math.sqrt(size);
      }
    }
  }

  /**
   * Mean cosine over all pairs of distinct positions of the present items in
   * `items` (0 entries are padding and skipped; repeats are separate positions),
   * computed exactly in linear time as (|sum of unit vectors|^2 - n) / (n (n - 1)).
   * Returns `{ mean: NaN, n }` when fewer than 2 items are present.
   */
  meanPairwiseCosine(items: ArrayLike<number>): { mean: number; n: number } {
    let n = 0;
    let sq = 0;
    const v = this.view;
    if (v.kind === "dense") {
      const sum = (this.sum as Float64Array).fill(0);
      const inv = this.invNorm as Float64Array;
      for (let t = 0; t < items.length; t++) {
        const i = this.checkItem(items[t]);
        if (i === 0 || !this.present(i)) continue;
        n++;
        const base = i * v.dim;
        for (let k = 0; k < v.dim; k++) sum[k] += v.values[base + k] * inv[i];
      }
      for (let k = 0; k < v.dim; k++) sq += sum[k] * sum[k];
    } else {
      const bag = this.bag;
      bag.clear();
      for (let t = 0; t < items.length; t++) {
        const i = this.checkItem(items[t]);
        if (i === 0 || !this.present(i)) continue;
        n++;
        if (v.kind === "token") {
          bag.set(v.ids[i], (bag.get(v.ids[i]) ?? 0) + 1);
        } else {
          const { offsets, ids } = this.sets as { offsets: Int32Array; ids: Int32Array };
          const w = 1 / Math.sqrt(offsets[i + 1] - offsets[i]);
          for (let p = offsets[i]; p < offsets[i + 1]; p++) {
            bag.set(ids[p], (bag.get(ids[p]) ?? 0) + w);
          }
        }
      }
      for (const s of bag.values()) sq += s * s;
      bag.clear();
    }
    return { mean: n < 2 ? Number.NaN : (sq - n) / (n * (n - 1)), n };
  }

  private checkItem(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i > this.numItems) {
      throw new UserError(
        `item ${i} is outside 1..${this.numItems} of a ${this.view.kind} modality`,
      );
    }
    return i;
  }
}
