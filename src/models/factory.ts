import type { Dataset } from "../data/dataset.js";
import type { Rng } from "../util/rng.js";
import type { Backbone } from "./backbones/backbone.js";
import { GRU4REC_DEFAULTS, Gru4rec, type Gru4recConfig } from "./backbones/gru4rec.js";
import { SASREC_DEFAULTS, Sasrec, type SasrecConfig } from "./backbones/sasrec.js";
import { type Fusion, ItemEncoder } from "./item-encoder.js";
import { SequentialRecommender } from "./recommender.js";

/** What the model zoo needs to know to build a baseline. */
export interface BaselineSpec {
  model: "sasrec" | "gru4rec";
  variant: "id" | "mm";
  dim: number;
  maxLength: number;
  modalities: readonly string[] | "all";
  useId: boolean;
  fusion: Fusion;
  sasrec?: Partial<Omit<SasrecConfig, "dim" | "maxLength">>;
  gru4rec?: Partial<Omit<Gru4recConfig, "dim">>;
}

export function buildBackbone(spec: BaselineSpec, rng: Rng, dropoutRng: Rng): Backbone {
  if (spec.model === "sasrec") {
    return new Sasrec(
      { ...SASREC_DEFAULTS, ...spec.sasrec, dim: spec.dim, maxLength: spec.maxLength },
      rng,
      dropoutRng,
    );
  }
  return new Gru4rec({ ...GRU4REC_DEFAULTS, ...spec.gru4rec, dim: spec.dim }, rng, dropoutRng);
}

/** ID-only or MM-<backbone>. */
export function buildBaseline(
  ds: Dataset,
  spec: BaselineSpec,
  rng: Rng,
  dropoutRng: Rng,
): SequentialRecommender {
  const encoder = new ItemEncoder(
    ds,
    spec.variant === "id"
      ? { useId: true, modalities: [], fusion: spec.fusion, dim: spec.dim }
      : { useId: spec.useId, modalities: spec.modalities, fusion: spec.fusion, dim: spec.dim },
    rng,
  );
  return new SequentialRecommender(encoder, buildBackbone(spec, rng, dropoutRng), ds.numItems);
}
