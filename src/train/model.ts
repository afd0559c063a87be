import type { Dataset } from "../data/dataset.js";
import { buildBaseline } from "../models/factory.js";
import type { Recommender } from "../models/recommender.js";
import { UserError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import type { TrainConfig } from "./config.js";

/** The recommender a config describes: ID-only, MM or Demure over a backbone. */
export function buildModel(ds: Dataset, cfg: TrainConfig, rng: Rng, dropoutRng: Rng): Recommender {
  if (cfg.variant === "demure") {
    throw new UserError("variant demure is not available in this build yet (use id or mm)");
  }
  return buildBaseline(
    ds,
    {
      model: cfg.model,
      variant: cfg.variant,
      dim: cfg.dim,
      maxLength: cfg.maxLength,
      modalities: cfg.modalities,
      useId: cfg.useId,
      fusion: cfg.fusion,
      sasrec: cfg.sasrec,
      gru4rec: cfg.gru4rec,
    },
    rng,
    dropoutRng,
  );
}
