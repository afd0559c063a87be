import { type Dataset, loadDataset } from "../data/dataset.js";
import { withNoiseModalities } from "../data/noise.js";
import { UserError } from "../util/errors.js";
import type { TrainConfig } from "./config.js";

/** Load a dataset the way a config asks (k-core, noise modalities), checking modality names. */
export async function loadForConfig(cfg: TrainConfig): Promise<Dataset> {
  // Models read only the time order, not the times: a run neither holds nor snapshots them.
  let ds = await loadDataset(cfg.data, {
    keepTimestamps: false,
    ...(cfg.kcore === null ? {} : { kcore: cfg.kcore }),
  });
  ds = withNoiseModalities(ds, cfg.noiseModalities, cfg.noiseDim, cfg.seed);
  if (cfg.modalities !== "all") {
    for (const name of cfg.modalities) {
      if (!ds.modalities.some((m) => m.name === name)) {
        throw new UserError(
          `modalities: "${name}" is not a modality of ${ds.name} (it has: ${ds.modalities.map((m) => m.name).join(", ") || "none"})`,
        );
      }
    }
  }
  if (cfg.variant !== "id" && ds.modalities.length === 0 && cfg.modalities === "all") {
    throw new UserError(
      `variant ${cfg.variant} needs item modalities, and ${ds.name} has none (no .item columns or feature files)`,
    );
  }
  return ds;
}
