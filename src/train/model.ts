import type { Dataset } from "../data/dataset.js";
import { modalityCodes } from "../data/modality-codes.js";
import { DemureRecommender } from "../demure/recommender.js";
import { type BaselineSpec, backboneOf, buildBaseline } from "../models/factory.js";
import { ItemEncoder } from "../models/item-encoder.js";
import { buildRecLoss, type RecLoss } from "../models/rec-loss.js";
import type { Recommender } from "../models/recommender.js";
import { ItemPopularity } from "../models/sampler.js";
import { UserError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import type { TrainConfig } from "./config.js";

/** What a model needs beside the dataset to be trained (nothing when it is built for inference). */
export interface TrainingData {
  /**
   * The training part of the split: the item counts the sampled and in-batch
   * losses draw and correct by (never the held-out targets).
   */
  trainSequences?: readonly Int32Array[];
}

/**
 * The recommender a config describes: ID-only, MM or Demure over a backbone.
 * `dropoutRng` (re-seeded by the trainer every epoch) also draws the sampled
 * loss's negatives. Without `training.trainSequences` the model serves and
 * evaluates, but a loss that needs the counts fails when called.
 */
export function buildModel(
  ds: Dataset,
  cfg: TrainConfig,
  rng: Rng,
  dropoutRng: Rng,
  training: TrainingData = {},
): Recommender {
  const spec: BaselineSpec = {
    model: cfg.model,
    variant: cfg.variant === "id" ? "id" : "mm",
    dim: cfg.dim,
    maxLength: cfg.maxLength,
    modalities: cfg.modalities,
    useId: cfg.useId,
    fusion: cfg.fusion,
    backbones: cfg,
  };
  const counts =
    training.trainSequences === undefined || cfg.loss === "ce"
      ? null
      : new ItemPopularity(training.trainSequences, ds.numItems);
  const loss: RecLoss = buildRecLoss(cfg, ds.numItems, counts, dropoutRng);
  if (cfg.variant !== "demure") return buildBaseline(ds, spec, loss, rng, dropoutRng);
  if (cfg.fusion !== "concat") {
    throw new UserError(
      "variant demure needs fusion: concat (its weights scale each modality's term)",
    );
  }
  const encoder = new ItemEncoder(
    ds,
    { useId: cfg.useId, modalities: cfg.modalities, fusion: "concat", dim: cfg.dim },
    rng,
  );
  if (encoder.encoders.length < 2) {
    throw new UserError(
      `variant demure needs at least 2 modalities; ${ds.name} gives ${encoder.modalityNames.join(", ")}`,
    );
  }
  const codes =
    cfg.demure.surprise > 0
      ? encoder.encoders.map((e) => {
          const m = ds.modalities.find((x) => x.name === e.name);
          return e.kind === "id" || m === undefined ? null : modalityCodes(m, ds.numItems);
        })
      : null;
  return new DemureRecommender(
    encoder,
    backboneOf(spec, rng, dropoutRng),
    ds.numItems,
    loss,
    cfg.demure,
    rng,
    dropoutRng,
    codes,
  );
}
