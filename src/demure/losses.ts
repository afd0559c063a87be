import {
  add,
  addScalar,
  crossEntropyRows,
  l2Normalize,
  log,
  matmul,
  mean,
  mul,
  neg,
  scale,
  sum,
  type Tensor,
  tensor,
} from "../engine/index.js";
import type { PoiOutput } from "./poi-estimator.js";

/**
 * DEMURE.md 3a, first half: for each modality m, InfoNCE between the user's
 * history summary s_u^m and the target item's e_t^m, the other targets in the
 * batch as negatives. Returns the mean loss (it trains the summaries and the
 * modality encoders) and, without gradient (they become pseudo-labels):
 *
 * - `perRow` [B×M]: every per-user, per-modality loss l_u^m (how well m alone
 *   predicts the next item: the spec's "marginal" criterion);
 * - `conditional` [B×M]: l_u^all − l_u^−m, where l^all is the InfoNCE of the
 *   product of the M experts (logits summed over modalities) and l^−m the same
 *   without m. Lower = m adds more given the others. A non-POI modality that
 *   merely copies a POI one predicts well alone but adds nothing beside it, so
 *   this criterion can explain it away where the marginal one cannot.
 */
export function modalityDiscrimination(
  summaries: Tensor[],
  positives: Tensor[],
  tau: number,
  criterion: "marginal" | "conditional" = "marginal",
): { loss: Tensor; perRow: Float32Array; conditional: Float32Array | null } {
  const M = summaries.length;
  const b = summaries[0].shape[0]!;
  const perRow = new Float32Array(b * M);
  const diag = Int32Array.from({ length: b }, (_, i) => i);
  const perModality: Tensor[] = [];
  let total: Tensor | null = null;
  summaries.forEach((s, m) => {
    const logits = scale(
      matmul(l2Normalize(s), l2Normalize(positives[m]!), { transB: true }),
      1 / tau,
    );
    perModality.push(logits);
    const { loss: lm, rows } = crossEntropyRows(logits, diag);
    for (let u = 0; u < b; u++) perRow[u * M + m] = rows[u]!;
    total = total === null ? lm : add(total, lm);
  });
  const loss = scale(total!, 1 / M);
  if (criterion === "marginal") return { loss, perRow, conditional: null };
  // The product of experts is trained as one model too, so that an expert
  // can learn to add nothing beside the others.
  const joint = perModality.reduce((acc, l) => add(acc, l));
  const { loss: jointLoss, rows: all } = crossEntropyRows(joint, diag);
  const conditional = new Float32Array(b * M);
  const without = new Float32Array(b * b);
  perModality.forEach((logits, m) => {
    for (let k = 0; k < b * b; k++) without[k] = joint.data[k]! - logits.data[k]!;
    rowLosses(without, b, (u, l) => {
      conditional[u * M + m] = all[u]! - l;
    });
  });
  return { loss: add(loss, jointLoss), perRow, conditional };
}

/** Per-row cross-entropy against the diagonal of a [B, B] logit matrix (plain numbers, no graph). */
function rowLosses(
  logits: Float32Array,
  b: number,
  put: (row: number, loss: number) => void,
): void {
  for (let u = 0; u < b; u++) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < b; j++) mx = Math.max(mx, logits[u * b + j]!);
    let z = 0;
    for (let j = 0; j < b; j++) z += Math.exp(logits[u * b + j]! - mx);
    put(u, Math.log(z) + mx - logits[u * b + u]!);
  }
}

/**
 * Pseudo-labels y_u = softmax_m(−l_u^m / τ_y + β·r_u^m) (detached): a modality
 * that predicts the user's next item better than other users' items is a POI.
 * r_u^m is an optional log-prior per user and modality (the subset surprise;
 * β = 0 or no prior gives DEMURE.md's labels).
 * Softmax gate: L = KL(y_u ‖ π_u) = Σ_m y log y − Σ_m y log π (the first term is
 * a constant). Sigmoid gate: binary cross-entropy of π against y / max(y).
 */
export function pseudoLabels(
  perRow: Float32Array,
  b: number,
  M: number,
  tauY: number,
  prior: { logits: Float32Array; weight: number } | null = null,
): Float32Array {
  const y = new Float32Array(b * M);
  const logit = (k: number) =>
    -perRow[k]! / tauY + (prior === null ? 0 : prior.weight * prior.logits[k]!);
  for (let u = 0; u < b; u++) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let m = 0; m < M; m++) mx = Math.max(mx, logit(u * M + m));
    let z = 0;
    for (let m = 0; m < M; m++) z += Math.exp(logit(u * M + m) - mx);
    for (let m = 0; m < M; m++) y[u * M + m] = Math.exp(logit(u * M + m) - mx) / z;
  }
  return y;
}

export function pseudoLabelKl(
  perRow: Float32Array,
  poi: PoiOutput,
  tauY: number,
  prior: { logits: Float32Array; weight: number } | null = null,
): Tensor {
  const [b, M] = poi.pi.shape as [number, number];
  const y = pseudoLabels(perRow, b, M, tauY, prior);
  if (poi.logPi !== null) {
    let entropy = 0;
    for (const v of y) if (v > 0) entropy += v * Math.log(v);
    const cross = neg(sum(mul(tensor(y, [b, M]), poi.logPi)));
    return addScalar(scale(cross, 1 / b), entropy / b);
  }
  const target = new Float32Array(b * M);
  for (let u = 0; u < b; u++) {
    let mx = 0;
    for (let m = 0; m < M; m++) mx = Math.max(mx, y[u * M + m]!);
    for (let m = 0; m < M; m++) target[u * M + m] = mx > 0 ? y[u * M + m]! / mx : 0;
  }
  const t = tensor(target, [b, M]);
  const eps = 1e-6;
  const pos = mul(t, log(addScalar(poi.pi, eps)));
  const negPart = mul(addScalar(neg(t), 1), log(addScalar(neg(poi.pi), 1 + eps)));
  return neg(mean(add(pos, negPart)));
}
