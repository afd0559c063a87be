import type { Modality } from "../data/modality-types.js";
import {
  embedding,
  embeddingBagMean,
  matmul,
  normalInit,
  type Tensor,
  tensor,
} from "../engine/index.js";
import type { Rng } from "../util/rng.js";
import type { HasParams } from "./layers.js";

/**
 * φ_m: turns modality m of every item into a d-vector, e_i^m = φ_m(x_i^m).
 *   token      → a learned embedding per value;
 *   token_seq  → the mean of its tokens' embeddings (title words, genres, actors);
 *   dense      → a learned linear projection of the fixed vector (text, image features).
 * `present[i]` is 1 where item i has a value; rows of missing items are zero
 * and must be masked by the caller, never read as a real value.
 */
export interface ModalityEncoder extends HasParams {
  readonly name: string;
  readonly kind: Modality["kind"] | "id";
  /** [numItems + 1] presence mask as 0/1 floats. */
  readonly present: Float32Array;
  /** e^m for all items: [numItems + 1, d]. */
  encodeAll(): Tensor;
  /**
   * e^m of the given items only, [ids.length, d] (ids may repeat; 0 is the
   * padding row): row r equals row ids[r] of {@link encodeAll}, computed
   * from those items' inputs alone, so a step that scores a few thousand
   * items does not pay for the whole catalogue.
   */
  encodeRows(ids: Int32Array): Tensor;
}

/** The rows `ids` of a row-major [*, dim] array, as a constant tensor [ids.length, dim]. */
function gatherConstant(values: Float32Array, dim: number, ids: Int32Array): Tensor {
  const out = new Float32Array(ids.length * dim);
  for (let r = 0; r < ids.length; r++) {
    const i = ids[r]!;
    out.set(values.subarray(i * dim, (i + 1) * dim), r * dim);
  }
  return tensor(out, [ids.length, dim]);
}

export function presentMask(m: Modality, numItems: number): Float32Array {
  const p = new Float32Array(numItems + 1);
  for (let i = 1; i <= numItems; i++) {
    if (m.kind === "token") p[i] = m.ids[i]! > 0 ? 1 : 0;
    else if (m.kind === "token_seq") p[i] = m.offsets[i + 1]! > m.offsets[i]! ? 1 : 0;
    else p[i] = m.present[i]!;
  }
  return p;
}

/** The item-ID modality: one learned vector per item (row 0 = padding). */
export class IdEncoder implements ModalityEncoder {
  readonly name = "id";
  readonly kind = "id";
  readonly table: Tensor;
  readonly present: Float32Array;

  constructor(numItems: number, dim: number, rng: Rng, std = 0.02) {
    this.table = normalInit([numItems + 1, dim], std, rng, "item.id");
    this.table.data.fill(0, 0, dim);
    this.present = new Float32Array(numItems + 1).fill(1);
    this.present[0] = 0;
  }

  encodeAll(): Tensor {
    return this.table;
  }

  encodeRows(ids: Int32Array): Tensor {
    return embedding(this.table, ids);
  }

  params(): Tensor[] {
    return [this.table];
  }
}

class TokenEncoder implements ModalityEncoder {
  readonly kind = "token";
  readonly table: Tensor;
  readonly present: Float32Array;
  private readonly ids: Int32Array;

  constructor(
    readonly name: string,
    m: Extract<Modality, { kind: "token" }>,
    numItems: number,
    dim: number,
    rng: Rng,
  ) {
    this.table = normalInit([m.vocab + 1, dim], 0.02, rng, `modality.${name}.table`);
    this.table.data.fill(0, 0, dim);
    this.ids = m.ids.subarray(0, numItems + 1);
    this.present = presentMask(m, numItems);
  }

  encodeAll(): Tensor {
    return embedding(this.table, this.ids);
  }

  encodeRows(ids: Int32Array): Tensor {
    return embedding(
      this.table,
      ids.map((i) => this.ids[i]!),
    );
  }

  params(): Tensor[] {
    return [this.table];
  }
}

class TokenSeqEncoder implements ModalityEncoder {
  readonly kind = "token_seq";
  readonly table: Tensor;
  readonly present: Float32Array;
  private readonly ids: Int32Array;
  private readonly offsets: Int32Array;

  constructor(
    readonly name: string,
    m: Extract<Modality, { kind: "token_seq" }>,
    numItems: number,
    dim: number,
    rng: Rng,
  ) {
    this.table = normalInit([m.vocab + 1, dim], 0.02, rng, `modality.${name}.table`);
    this.offsets = m.offsets.subarray(0, numItems + 2);
    this.ids = m.ids.subarray(0, this.offsets[numItems + 1]!);
    this.present = presentMask(m, numItems);
  }

  encodeAll(): Tensor {
    return embeddingBagMean(this.table, this.ids, this.offsets);
  }

  encodeRows(ids: Int32Array): Tensor {
    // The items' own token lists as a small CSR: same bags, same means.
    const offsets = new Int32Array(ids.length + 1);
    for (let r = 0; r < ids.length; r++) {
      const i = ids[r]!;
      offsets[r + 1] = offsets[r]! + this.offsets[i + 1]! - this.offsets[i]!;
    }
    const tokens = new Int32Array(offsets[ids.length]!);
    for (let r = 0; r < ids.length; r++) {
      const i = ids[r]!;
      tokens.set(this.ids.subarray(this.offsets[i]!, this.offsets[i + 1]!), offsets[r]!);
    }
    return embeddingBagMean(this.table, tokens, offsets);
  }

  params(): Tensor[] {
    return [this.table];
  }
}

class DenseEncoder implements ModalityEncoder {
  readonly kind = "dense";
  readonly proj: Tensor;
  readonly present: Float32Array;
  private readonly values: Tensor;

  constructor(
    readonly name: string,
    m: Extract<Modality, { kind: "dense" }>,
    numItems: number,
    dim: number,
    rng: Rng,
  ) {
    // Features are fixed inputs; only the projection learns. Scale keeps e^m ~ the other modalities.
    const values = new Float32Array((numItems + 1) * m.dim);
    values.set(m.values.subarray(0, values.length));
    this.values = tensor(values, [numItems + 1, m.dim]);
    this.proj = normalInit(
      [m.dim, dim],
      0.02 / Math.sqrt(rmsOf(values, m.dim) + 1e-12),
      rng,
      `modality.${name}.proj`,
    );
    this.present = presentMask(m, numItems);
  }

  encodeAll(): Tensor {
    return matmul(this.values, this.proj);
  }

  encodeRows(ids: Int32Array): Tensor {
    const dim = this.values.shape[1]!;
    return matmul(gatherConstant(this.values.data, dim, ids), this.proj);
  }

  params(): Tensor[] {
    return [this.proj];
  }
}

/** Mean squared norm of the rows (for a projection init that does not depend on the feature scale). */
function rmsOf(values: Float32Array, dim: number): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return s / Math.max(1, values.length / dim);
}

/** φ_m for a data-layer modality. */
export function modalityEncoder(
  m: Modality,
  numItems: number,
  dim: number,
  rng: Rng,
): ModalityEncoder {
  switch (m.kind) {
    case "token":
      return new TokenEncoder(m.name, m, numItems, dim, rng);
    case "token_seq":
      return new TokenSeqEncoder(m.name, m, numItems, dim, rng);
    case "dense":
      return new DenseEncoder(m.name, m, numItems, dim, rng);
  }
}
