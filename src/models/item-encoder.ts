import type { Dataset } from "../data/dataset.js";
import {
  add,
  div,
  embedding,
  mul,
  normalInit,
  reshape,
  type Tensor,
  tensor,
} from "../engine/index.js";
import type { Rng } from "../util/rng.js";
import { collectParams, type HasParams, Linear } from "./layers.js";
import { IdEncoder, type ModalityEncoder, modalityEncoder } from "./modality-encoder.js";

/** How the modality vectors of an item become one vector. */
export type Fusion = "concat" | "mean";

export interface ItemEncoderConfig {
  /** Include the learned item-ID embedding as a modality. */
  useId: boolean;
  /** Side modalities by name; "all" = every modality the dataset has; [] = ID only. */
  modalities: readonly string[] | "all";
  /** concat + linear (default) or the mean of the present modalities. */
  fusion: Fusion;
  dim: number;
}

/**
 * Item representations v_i = Fuse(e_i^1 .. e_i^M) for every item at once,
 * as the MM baseline of DEMURE.md defines them:
 *   concat: v_i = W·[e_i^1; ..; e_i^M] + b = Σ_m W_m e_i^m + b, where a missing
 *           e_i^m is replaced by a learned "missing" vector μ_m (masked, not zeroed);
 *   mean:   v_i = Σ_m present_i^m e_i^m / Σ_m present_i^m.
 * The per-modality terms ("views") are exposed so Demure can weight them per user.
 * ID-only is the special case of one modality and no fusion: v_i = e_i^id.
 */
export class ItemEncoder implements HasParams {
  readonly encoders: ModalityEncoder[];
  readonly fusion: Fusion;
  readonly dim: number;
  private readonly proj: Linear[];
  private readonly missing: Tensor[];
  private readonly bias: Tensor | null;
  private readonly presentCols: Tensor[];
  private readonly absentCols: Tensor[];
  private readonly presentCount: Tensor;

  constructor(ds: Dataset, cfg: ItemEncoderConfig, rng: Rng) {
    this.dim = cfg.dim;
    this.fusion = cfg.fusion;
    const chosen =
      cfg.modalities === "all"
        ? ds.modalities
        : cfg.modalities.map((n) => ds.modalities.find((m) => m.name === n)!);
    this.encoders = [
      ...(cfg.useId ? [new IdEncoder(ds.numItems, cfg.dim, rng)] : []),
      ...chosen.map((m) => modalityEncoder(m, ds.numItems, cfg.dim, rng)),
    ];
    if (this.encoders.length === 0) throw new Error("item encoder: no modality selected");
    const single = this.encoders.length === 1;
    const concat = cfg.fusion === "concat" && !single;
    this.proj = concat
      ? this.encoders.map(
          (e) => new Linear(cfg.dim, cfg.dim, rng, `fuse.${e.name}`, { bias: false }),
        )
      : [];
    this.missing = concat
      ? this.encoders.map((e) => normalInit([cfg.dim], 0.02, rng, `fuse.${e.name}.missing`))
      : [];
    this.bias = concat ? normalInit([cfg.dim], 0, rng, "fuse.bias") : null;
    const n = ds.numItems + 1;
    this.presentCols = this.encoders.map((e) => tensor(e.present, [n, 1]));
    this.absentCols = this.encoders.map((e) =>
      tensor(
        e.present.map((p, i) => (i === 0 ? 0 : 1 - p)),
        [n, 1],
      ),
    );
    const count = new Float32Array(n);
    for (const e of this.encoders) for (let i = 0; i < n; i++) count[i]! += e.present[i]!;
    for (let i = 0; i < n; i++) count[i] = Math.max(1, count[i]!);
    this.presentCount = tensor(count, [n, 1]);
  }

  get modalityNames(): string[] {
    return this.encoders.map((e) => e.name);
  }

  /**
   * The per-modality terms of the fusion, each [numItems + 1, d]:
   * W_m e^m (or μ_m where missing) for concat, present·e^m for mean.
   */
  views(): Tensor[] {
    return this.encoders.map((e, m) => {
      const em = e.encodeAll();
      if (this.encoders.length === 1) return em;
      if (this.fusion === "mean") return mul(em, this.presentCols[m]!);
      const projected = mul(this.proj[m]!.forward(em), this.presentCols[m]!);
      return add(projected, mul(this.absentCols[m]!, this.missing[m]!));
    });
  }

  /**
   * The views of the items `ids` only, each [ids.length, d]: row r equals
   * row ids[r] of {@link views}, computed from those items' inputs alone
   * (each modality gathers its rows before it encodes them).
   */
  viewRows(ids: Int32Array): Tensor[] {
    const n = ids.length;
    const column = (values: Float32Array) =>
      tensor(
        Float32Array.from(ids, (i) => values[i]!),
        [n, 1],
      );
    return this.encoders.map((e, m) => {
      const em = e.encodeRows(ids);
      if (this.encoders.length === 1) return em;
      const present = column(this.presentCols[m]!.data);
      if (this.fusion === "mean") return mul(em, present);
      const projected = mul(this.proj[m]!.forward(em), present);
      return add(projected, mul(column(this.absentCols[m]!.data), this.missing[m]!));
    });
  }

  /** Combine views (optionally already weighted) into item vectors [numItems + 1, d]. */
  fuse(views: Tensor[]): Tensor {
    return this.fuseWith(views, this.presentCount);
  }

  /** {@link fuse} for the views of the items `ids` ({@link viewRows}): [ids.length, d]. */
  fuseRows(views: Tensor[], ids: Int32Array): Tensor {
    if (this.encoders.length === 1 || this.fusion !== "mean") return this.fuseWith(views, null);
    const count = this.presentCount.data;
    return this.fuseWith(
      views,
      tensor(
        Float32Array.from(ids, (i) => count[i]!),
        [ids.length, 1],
      ),
    );
  }

  private fuseWith(views: Tensor[], count: Tensor | null): Tensor {
    let v = views[0]!;
    for (let m = 1; m < views.length; m++) v = add(v, views[m]!);
    if (this.encoders.length === 1) return v;
    if (this.fusion === "mean") return div(v, count!);
    return add(v, this.bias!);
  }

  /** The fusion's bias b (zeros when the fusion has none), [d]. */
  fusionBias(): Tensor {
    return this.bias ?? tensor(new Float32Array(this.dim), [this.dim]);
  }

  /** v_i for every item: [numItems + 1, d]. */
  encodeAll(): Tensor {
    return this.fuse(this.views());
  }

  /**
   * v_i of the items `ids` only (repeats allowed, 0 = padding), shaped
   * [...shape, d] (default [ids.length, d]): the rows of {@link encodeAll},
   * at the cost of those rows alone.
   */
  encodeRows(ids: Int32Array, shape: number[] = [ids.length]): Tensor {
    const first = this.encoders[0]!;
    if (this.encoders.length === 1 && first instanceof IdEncoder) {
      return embedding(first.table, ids, shape);
    }
    const v = this.fuseRows(this.viewRows(ids), ids);
    return shape.length === 1 ? v : reshape(v, [...shape, this.dim]);
  }

  params(): Tensor[] {
    return collectParams(...this.encoders, ...this.proj, ...this.missing, this.bias);
  }
}
