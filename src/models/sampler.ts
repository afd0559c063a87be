import type { Rng } from "../util/rng.js";

/**
 * How often each item occurs in the training sequences: what the sampled
 * losses correct for. Built from the training part of the split only, so the
 * held-out targets never shape the negatives or the logQ correction.
 */
export class ItemPopularity {
  /** counts[i]: occurrences of item i (1..numItems) in the training sequences; counts[0] = 0. */
  readonly counts: Float64Array;
  /** Sum of counts. */
  readonly total: number;

  constructor(
    trainSequences: readonly Int32Array[],
    readonly numItems: number,
  ) {
    this.counts = new Float64Array(numItems + 1);
    let total = 0;
    for (const seq of trainSequences) {
      for (const item of seq) {
        if (item < 1 || item > numItems) continue;
        this.counts[item]!++;
        total++;
      }
    }
    this.total = total;
  }

  /**
   * log p(item) = log(count / total), the item's share of the training
   * interactions. An item never seen in training (count 0) is given count 1,
   * so the correction stays finite; such an item is never an in-batch
   * candidate, since candidates are training targets.
   */
  logProb(item: number): number {
    return Math.log(Math.max(1, this.counts[item]!) / Math.max(1, this.total));
  }

  /**
   * Items 1..numItems by decreasing count (rank 0 = most popular); equal
   * counts keep the lower index first, so the order is deterministic.
   */
  rankOrder(): Int32Array {
    const order = Int32Array.from({ length: this.numItems }, (_, i) => i + 1);
    const c = this.counts;
    order.sort((a, b) => c[b]! - c[a]! || a - b);
    return order;
  }
}

/**
 * Draws the negatives of a sampled softmax: `draw(n, rng)` gives n items of
 * 1..numItems, with replacement, each with probability `prob(item)`.
 */
export interface NegativeSampler {
  readonly kind: "uniform" | "log-uniform";
  readonly numItems: number;
  draw(n: number, rng: Rng): Int32Array;
  /** p(item), the probability of one draw being `item`. */
  prob(item: number): number;
}

/** Every item equally likely: p = 1 / numItems. */
export class UniformSampler implements NegativeSampler {
  readonly kind = "uniform";

  constructor(readonly numItems: number) {
    if (numItems < 1) throw new Error("UniformSampler: no items to draw from");
  }

  draw(n: number, rng: Rng): Int32Array {
    const out = new Int32Array(n);
    for (let k = 0; k < n; k++) out[k] = 1 + rng.int(this.numItems);
    return out;
  }

  prob(item: number): number {
    return item >= 1 && item <= this.numItems ? 1 / this.numItems : 0;
  }
}

/**
 * The Zipfian sampler of TensorFlow's `log_uniform_candidate_sampler`, over
 * popularity ranks instead of raw ids: P(rank r) = log((r + 2) / (r + 1)) /
 * log(numItems + 1) for r = 0..numItems-1 (the ranks telescope to 1). A draw
 * is r = ⌊exp(u · log(numItems + 1))⌋ − 1 with u uniform in [0, 1), the
 * inverse of that distribution's CDF, and the item is the one at rank r
 * (ComiRec's ids are assigned by popularity, so its sampler is this one).
 */
export class LogUniformSampler implements NegativeSampler {
  readonly kind = "log-uniform";
  readonly numItems: number;
  /** itemAt[r]: the item of popularity rank r. */
  readonly itemAt: Int32Array;
  /** rankOf[item]: the item's popularity rank (rankOf[0] unused). */
  readonly rankOf: Int32Array;
  private readonly logRange: number;

  constructor(popularity: ItemPopularity) {
    this.numItems = popularity.numItems;
    if (this.numItems < 1) throw new Error("LogUniformSampler: no items to draw from");
    this.itemAt = popularity.rankOrder();
    this.rankOf = new Int32Array(this.numItems + 1);
    this.itemAt.forEach((item, r) => {
      this.rankOf[item] = r;
    });
    this.logRange = Math.log(this.numItems + 1);
  }

  draw(n: number, rng: Rng): Int32Array {
    const out = new Int32Array(n);
    const last = this.numItems - 1;
    for (let k = 0; k < n; k++) {
      const r = Math.floor(Math.exp(rng.uniform() * this.logRange)) - 1;
      out[k] = this.itemAt[Math.min(last, Math.max(0, r))]!;
    }
    return out;
  }

  /** P(rank r) of the item's rank r. */
  rankProb(r: number): number {
    return Math.log((r + 2) / (r + 1)) / this.logRange;
  }

  prob(item: number): number {
    if (item < 1 || item > this.numItems) return 0;
    return this.rankProb(this.rankOf[item]!);
  }
}
