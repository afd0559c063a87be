import assert from "node:assert/strict";
import { noGrad, parameter, sizeOf, type Tensor } from "../../src/engine/index.js";
import { Rng } from "../../src/util/rng.js";

/** A trainable tensor of the given shape with seeded values in [lo, hi). */
export function randParam(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rng.uniform();
  return parameter(data, shape);
}

export interface GradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

/**
 * Check the gradients of `f` with respect to every input against central
 * finite differences. The scalar under test is L = Σ f(x) ⊙ w for a fixed
 * random w (so every output element's gradient path is exercised), and L is
 * summed in float64 so the numeric side is not limited by float32 round-off
 * of the reduction.
 */
export function gradcheck(
  f: (inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): void {
  const eps = opts.eps ?? 1e-2;
  const rtol = opts.rtol ?? 2e-2;
  const atol = opts.atol ?? 2e-3;
  const rng = new Rng(opts.seed ?? 7);
  const probe = noGrad(() => f(inputs));
  const w = new Float64Array(probe.size);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform() * 2 - 1;
  const lossOf = (): number =>
    noGrad(() => {
      const y = f(inputs).data;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i]! * w[i]!;
      return s;
    });

  for (const x of inputs) x.grad = null;
  const y = f(inputs);
  // Seed the backward pass with w by hand (y may be any shape).
  assert.ok(y.requiresGrad, "output does not depend on any input that requires a gradient");
  seedBackward(y, w);

  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad ?? new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const orig = x.data[i]!;
      x.data[i] = orig + eps;
      const up = lossOf();
      x.data[i] = orig - eps;
      const down = lossOf();
      x.data[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const a = analytic[i]!;
      const tol = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
      assert.ok(
        Math.abs(a - numeric) <= tol,
        `input ${k} element ${i}: analytic ${a.toPrecision(6)} vs numeric ${numeric.toPrecision(6)}`,
      );
    }
  });
}

/** Back-propagate Σ y ⊙ w: a scalar node whose gradient flows into y as w. */
function seedBackward(y: Tensor, w: Float64Array): void {
  const gradY = Float32Array.from(w);
  const root = parameter(Float32Array.of(0), []);
  root.requiresGrad = true;
  root.parents = [y];
  root.backwardFn = () => {
    const g = y.ensureGrad();
    for (let i = 0; i < g.length; i++) g[i]! += gradY[i]!;
  };
  root.backward();
}

export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-5,
  what = "value",
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}
