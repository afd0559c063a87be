import {
  Adam,
  add,
  attention,
  constantInit,
  crossEntropy,
  embedding,
  engineInfo,
  layerNorm,
  linear,
  matmul,
  normalInit,
  relu,
  resetProfile,
  scale,
  selectPositions,
  type Tensor,
  withBufferPool,
} from "../engine/index.js";
import { Rng } from "../util/rng.js";

/**
 * The reference training step, the same computation as
 * shared/bench/torch_step.py: one SASRec block (1 layer, 1 head), batch 256,
 * length 50, d 64, 10 000 items, last-position full-softmax cross-entropy,
 * Adam. ≈ 3.4 GFLOP per step (forward + backward), most of it in the six
 * 12 800×64×64 linear maps and the 256×64×10 000 scoring product.
 */
export interface StepShape {
  items: number;
  dim: number;
  batch: number;
  length: number;
}

export const REFERENCE_SHAPE: StepShape = { items: 10_000, dim: 64, batch: 256, length: 50 };

interface Linear {
  w: Tensor;
  b: Tensor;
}

function makeLinear(inDim: number, outDim: number, rng: Rng, name: string): Linear {
  const bound = 1 / Math.sqrt(inDim);
  const w = normalInit([inDim, outDim], bound / Math.sqrt(3), rng, `${name}.w`);
  return { w, b: constantInit([outDim], 0, `${name}.b`) };
}

const apply = (l: Linear, x: Tensor): Tensor => linear(x, l.w, l.b);

export interface StepResult {
  ms_per_step_median: number;
  steps: number;
  threads: number;
  engine: string;
  ms_per_step: number[];
  final_loss: number;
}

/** Build the block and its optimiser; returns a function that runs one timed step. */
export function makeReferenceStep(shape: StepShape = REFERENCE_SHAPE, seed = 0): () => number {
  const { items, dim, batch, length } = shape;
  const rng = new Rng(seed);
  const emb = normalInit([items, dim], 1, rng, "emb");
  const pos = normalInit([length, dim], 1, rng, "pos");
  const ln = [0, 1, 2].map((i) => ({
    g: constantInit([dim], 1, `ln${i}.g`),
    b: constantInit([dim], 0, `ln${i}.b`),
  }));
  const [q, k, v, o, f1, f2] = ["q", "k", "v", "o", "f1", "f2"].map((n) =>
    makeLinear(dim, dim, rng, n),
  ) as [Linear, Linear, Linear, Linear, Linear, Linear];
  const params = [
    emb,
    pos,
    ...ln.flatMap((l) => [l.g, l.b]),
    ...[q, k, v, o, f1, f2].flatMap((l) => [l.w, l.b]),
  ];
  const opt = new Adam(params, { lr: 1e-3 });
  const x = new Int32Array(batch * length);
  const t = new Int32Array(batch);
  const last = new Int32Array(batch).fill(length - 1);
  const ln1 = ln[0]!;
  const ln2 = ln[1]!;
  const ln3 = ln[2]!;

  return () =>
    withBufferPool(() => {
      for (let i = 0; i < x.length; i++) x[i] = 1 + rng.int(items - 1);
      for (let i = 0; i < t.length; i++) t[i] = 1 + rng.int(items - 1);
      let h = add(scale(embedding(emb, x, [batch, length]), Math.sqrt(dim)), pos);
      const z = layerNorm(h, ln1.g, ln1.b, 1e-5);
      h = add(
        h,
        apply(
          o,
          attention(apply(q, z), apply(k, z), apply(v, z), {
            heads: 1,
            causal: true,
            keyMask: null,
          }),
        ),
      );
      h = layerNorm(
        add(h, apply(f2, relu(apply(f1, layerNorm(h, ln2.g, ln2.b, 1e-5))))),
        ln3.g,
        ln3.b,
        1e-5,
      );
      const logits = matmul(selectPositions(h, last), emb, { transB: true });
      const loss = crossEntropy(logits, t);
      opt.zeroGrad();
      loss.backward();
      opt.update();
      return loss.item();
    });
}

/** Time `steps` reference steps after 3 warm-up steps; report the median. */
export function runReferenceStep(
  steps: number,
  onStep?: (i: number, ms: number) => void,
): StepResult {
  const step = makeReferenceStep();
  for (let i = 0; i < 3; i++) step();
  resetProfile(); // DEMURE_PROFILE=1: the timed steps only
  const times: number[] = [];
  let loss = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    loss = step();
    const ms = performance.now() - t0;
    times.push(ms);
    onStep?.(i, ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const info = engineInfo();
  return {
    ms_per_step_median: Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10,
    steps,
    threads: info.threads,
    engine: `demure-native(${info.blas ? "openblas" : "portable"},${info.simd})`,
    ms_per_step: times.map((v) => Math.round(v * 10) / 10),
    final_loss: loss,
  };
}
