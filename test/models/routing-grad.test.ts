import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isGradEnabled, sum, type Tensor, tensor } from "../../src/engine/index.js";
import type { Backbone, SeqBatchShape } from "../../src/models/backbones/backbone.js";
import { ComirecDr } from "../../src/models/backbones/comirec-dr.js";
import { Mind } from "../../src/models/backbones/mind.js";
import {
  dynamicRouting,
  finalRoutingWeights,
  type RoutingShape,
  routeStep,
  routingShape,
  squash,
} from "../../src/models/backbones/routing.js";
import { Youtube } from "../../src/models/backbones/youtube.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose, gradcheck, randParam } from "../engine/gradcheck.js";

/**
 * The routing's gradients follow the reference's stop-gradient semantics: the
 * weights of the last iteration are constants. So the finite differences of
 * a routed output are taken with those weights frozen at their value for the
 * unperturbed input (`frozen`); the analytic side is always the real forward.
 */

const rng = new Rng(17);

/** B = 2, L = 3: row 0 has all 3 items, row 1 has 2 and one padded position. */
const B = 2;
const L = 3;
const D = 4;
const K = 2;
const lengths = Int32Array.of(3, 2);
const keyMask = Uint8Array.of(1, 1, 1, 1, 1, 0);
const shape: SeqBatchShape = {
  batch: B,
  length: L,
  lengths,
  keyMask,
  items: Int32Array.of(1, 2, 3, 4, 5, 0),
};
const routing: RoutingShape = routingShape(shape, K);
const randomInit = (): Float32Array => Float32Array.from({ length: B * K * L }, () => rng.normal());

/**
 * f for gradcheck: the real computation (`real`) when a graph is recorded (the
 * analytic side), else `frozen`, the same computation with the routing weights
 * held at the values `real` used at the unperturbed input (the numeric side).
 */
function stopGradient(real: () => Tensor, frozen: () => Tensor): () => Tensor {
  return () => (isGradEnabled() ? real() : frozen());
}

/** Fresh parameters in [−0.5, 0.5): larger than the init, so every path carries signal. */
function shake(model: Backbone): Tensor[] {
  const ps = model.params();
  for (const p of ps) for (let i = 0; i < p.size; i++) p.data[i] = rng.uniform() - 0.5;
  return ps;
}

describe("squash", () => {
  test("gradients, for small and large norms", () => {
    gradcheck(([z]) => squash(z!), [randParam([2, 3, 4], rng, -0.3, 0.3)], { eps: 1e-3 });
    gradcheck(([z]) => squash(z!), [randParam([2, 3, 4], rng, -2, 2)]);
  });
  test("keeps the direction, maps the norm n to n²/(1+n²), and sends 0 to 0 with finite gradients", () => {
    const z = tensor([3, 4, 0, 0], [2, 2]);
    assertClose(squash(z).data, [(25 / 26) * 0.6, (25 / 26) * 0.8, 0, 0], 1e-6, "squash");
    const zero = randParam([1, 3], rng);
    zero.data.fill(0);
    sum(squash(zero)).backward();
    assert.ok(zero.grad!.every(Number.isFinite), `gradient at 0: ${Array.from(zero.grad!)}`);
  });
});

describe("one routing step z = squash(Σ_i w_ki û_ki)", () => {
  test("shared û [B, L, d] (MIND): gradients with respect to the weights and û", () => {
    gradcheck(
      ([w, u]) => routeStep(w!, u!),
      [randParam([B, K, L], rng, 0, 1), randParam([B, L, D], rng)],
    );
  });
  test("per-interest û [B, K, L, d] (ComiRec-DR): gradients with respect to the weights and û", () => {
    gradcheck(
      ([w, u]) => routeStep(w!, u!),
      [randParam([B, K, L], rng, 0, 1), randParam([B, K, L, D], rng)],
    );
  });
});

describe("the whole routing, 3 iterations, gradients stopped through the earlier ones", () => {
  for (const [name, uShape] of [
    ["shared û (MIND)", [B, L, D]],
    ["per-interest û (ComiRec-DR)", [B, K, L, D]],
  ] as const) {
    test(`${name}: the last step's gradient with the earlier iterations' weights as constants`, () => {
      const u = randParam([...uShape], rng);
      const init = randomInit();
      const w = finalRoutingWeights(u, init, routing, 3);
      // The forward is exactly the last step with those weights, padding weighted 0.
      assertClose(dynamicRouting(u, init, routing, 3).data, routeStep(w, u).data, 1e-6, "routed");
      for (let k = 0; k < K; k++) assert.equal(w.data[(1 * K + k) * L + 2], 0, "padded weight");
      const f = stopGradient(
        () => dynamicRouting(u, init, routing, 3),
        () => routeStep(w, u),
      );
      gradcheck(() => f(), [u]);
    });
    test(`${name}: the check can fail — finite differences through the weights disagree`, () => {
      // Without freezing the weights, the numeric gradient includes the routing's
      // own dependence on û, which the implementation (like the reference) drops.
      const u = randParam([...uShape], rng);
      const init = randomInit();
      assert.throws(
        () => gradcheck(([x]) => dynamicRouting(x!, init, routing, 3), [u]),
        /analytic/,
      );
    });
  }
});

describe("full backbones on B=2, L=3 (one padded row), d=4, K=2", () => {
  test("YouTube DNN: gradients with respect to the item vectors and the parameters", () => {
    const m = new Youtube({ dim: D }, rng);
    const items = randParam([B, L, D], rng);
    gradcheck(([x]) => m.forward(x!, shape, false), [items, ...shake(m)]);
  });

  test("MIND, 1 iteration (no stop-gradient involved): gradients of the plain forward", () => {
    const m = new Mind({ dim: D, interests: K, iterations: 1 }, rng, new Rng(1));
    gradcheck(([x]) => m.forward(x!, shape, false), [randParam([B, L, D], rng), ...shake(m)]);
  });

  test("MIND, 3 iterations: gradients with the routing weights as constants", () => {
    const m = new Mind({ dim: D, interests: K, iterations: 3 }, rng, new Rng(1));
    const items = randParam([B, L, D], rng);
    const params = shake(m);
    const w = finalRoutingWeights(m.predictions(items), m.initialLogits(shape, false), routing, 3);
    const f = stopGradient(
      () => m.forward(items, shape, false),
      () => m.readout(routeStep(w, m.predictions(items))),
    );
    gradcheck(() => f(), [items, ...params]);
  });

  test("ComiRec-DR, 1 iteration: gradients of the plain forward", () => {
    const m = new ComirecDr({ dim: D, interests: K, iterations: 1 }, rng);
    gradcheck(([x]) => m.forward(x!, shape, false), [randParam([B, L, D], rng), ...shake(m)]);
  });

  test("ComiRec-DR, 3 iterations: gradients with the routing weights as constants", () => {
    const m = new ComirecDr({ dim: D, interests: K, iterations: 3 }, rng);
    const items = randParam([B, L, D], rng);
    const params = shake(m);
    const w = finalRoutingWeights(m.predictions(items), m.initialLogits(shape), routing, 3);
    const f = stopGradient(
      () => m.forward(items, shape, false),
      () => routeStep(w, m.predictions(items)),
    );
    gradcheck(() => f(), [items, ...params]);
  });

  const backbones: Array<[string, () => Backbone]> = [
    ["youtube", () => new Youtube({ dim: D }, rng)],
    ["mind", () => new Mind({ dim: D, interests: K, iterations: 3 }, rng, new Rng(1))],
    ["comirec-dr", () => new ComirecDr({ dim: D, interests: K, iterations: 3 }, rng)],
  ];
  for (const [name, make] of backbones) {
    test(`${name}: the padded position never contributes, to the output or the gradient`, () => {
      const m = make();
      shake(m);
      const items = randParam([B, L, D], rng);
      const before = Float32Array.from(m.forward(items, shape, false).data);
      // Row 1, position 2 is padding: change its vector, nothing may move.
      const pad = (1 * L + 2) * D;
      for (let x = 0; x < D; x++) items.data[pad + x] = 100 * (x + 1);
      assert.deepEqual(Array.from(m.forward(items, shape, false).data), Array.from(before));
      sum(m.forward(items, shape, true)).backward();
      const g = Array.from(items.grad!.subarray(pad, pad + D));
      assert.ok(
        g.every((v) => v === 0),
        `gradient at padding: ${g}`,
      );
    });

    test(`${name}: a length-1 row, even an all-zero one, gives finite states and gradients`, () => {
      const m = make();
      const one: SeqBatchShape = {
        batch: 2,
        length: 2,
        lengths: Int32Array.of(1, 2),
        keyMask: Uint8Array.of(1, 0, 1, 1),
        items: Int32Array.of(7, 0, 3, 4),
      };
      const items = randParam([2, 2, D], rng);
      items.data.fill(0, 0, 2 * D);
      for (const training of [false, true]) {
        items.grad = null;
        const h = m.forward(items, one, training);
        assert.ok(h.data.every(Number.isFinite), `${name} state: ${Array.from(h.data)}`);
        sum(h).backward();
        assert.ok(items.grad!.every(Number.isFinite), `${name} gradient`);
      }
    });
  }
});
