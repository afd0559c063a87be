/**
 * demure as a library: what the CLI does, as typed imports.
 *
 *   import { loadDataset, train, resolveConfig, loadRun, evaluateRun, recommendForUser } from "demure";
 *
 * and the HTTP API as a Fastify instance to listen on (with all of `demure
 * serve`'s defences) or to `inject` requests into:
 *
 *   const app = buildServer(await loadRun("runs/x"), { token: process.env.DEMURE_TOKEN });
 *   await app.listen({ host: "127.0.0.1", port: 8080 });
 */
export type { Dataset, DatasetOptions } from "./data/dataset.js";
export { loadDataset } from "./data/dataset.js";
export type { Modality } from "./data/modality-types.js";
export { generatePlanted, type PlantedOptions, writePlanted } from "./data/planted.js";
export { type Explanation, explainUser } from "./demure/explain.js";
export { engineInfo } from "./engine/index.js";
export type { LabelMatrix, PoiAucResult, UserMatrix } from "./eval/poi-auc.js";
export { meanPoiAuc } from "./eval/poi-auc.js";
export { evaluateFullRanking, type FullRankingResult } from "./eval/ranking.js";
export { checkToken } from "./serve/auth.js";
export { type HostRule, parseAllowedHosts } from "./serve/host-check.js";
export { DEFAULT_LIMITS, type Limits } from "./serve/limits.js";
export { buildServer, type ServeOptions } from "./serve/server.js";
export { readTls, type TlsFiles } from "./serve/tls.js";
export { resolveConfig, type TrainConfig, type TrainConfigInput } from "./train/config.js";
export {
  evaluateRun,
  type LoadedRun,
  loadRun,
  type Recommendation,
  recommendForHistory,
  recommendForUser,
} from "./train/run.js";
export type { EpochRecord } from "./train/run-dir.js";
export { type TrainHooks, type TrainResult, train } from "./train/trainer.js";
export { isUserError, UserError } from "./util/errors.js";
