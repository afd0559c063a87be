/**
 * Evaluation: full-ranking metrics (HR/NDCG/MRR with pessimistic ties; recall/NDCG/hit
 * over several targets per user for the user split), POI-AUC
 * against planted labels, and the no-learning coherence baseline. Imports only
 * `src/util`; models hand in their scores through callbacks.
 */
export * from "./coherence.js";
export type { FlatMatrix } from "./matrix.js";
export * from "./metrics.js";
export * from "./modality-view.js";
export * from "./multi-metrics.js";
export * from "./multi-target.js";
export * from "./poi-auc.js";
export * from "./ranking.js";
