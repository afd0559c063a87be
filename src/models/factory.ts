import type { Dataset } from "../data/dataset.js";
import type { Rng } from "../util/rng.js";
import type { Backbone } from "./backbones/backbone.js";
import { type BackboneName, type BackboneOptions, buildBackbone } from "./backbones/registry.js";
import { type Fusion, ItemEncoder } from "./item-encoder.js";
import type { RecLoss } from "./rec-loss.js";
import { SequentialRecommender } from "./recommender.js";

/** What the model zoo needs to know to build a baseline. */
export interface BaselineSpec {
  model: BackboneName;
  variant: "id" | "mm";
  dim: number;
  maxLength: number;
  modalities: readonly string[] | "all";
  useId: boolean;
  fusion: Fusion;
  /** Every backbone's options block (only `model`'s is read). */
  backbones: BackboneOptions;
}

/** The spec's backbone, from the registry. */
export function backboneOf(spec: BaselineSpec, rng: Rng, dropoutRng: Rng): Backbone {
  return buildBackbone(spec.model, spec.backbones[spec.model], {
    dim: spec.dim,
    maxLength: spec.maxLength,
    rng,
    dropoutRng,
  });
}

/** ID-only or MM-<backbone>. */
export function buildBaseline(
  ds: Dataset,
  spec: BaselineSpec,
  loss: RecLoss,
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
  return new SequentialRecommender(encoder, backboneOf(spec, rng, dropoutRng), ds.numItems, loss);
}
