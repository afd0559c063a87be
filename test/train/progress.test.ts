import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Adam, Tensor } from "../../src/engine/index.js";
import { TrainProgress } from "../../src/train/progress.js";

test("early stopping: a new best resets the patience count, and patience ends the run", () => {
  const p = new TrainProgress();
  const scores = [0.1, 0.2, 0.15, 0.19, 0.25, 0.2, 0.2, 0.1];
  const epochs: number[] = [];
  while (p.goOn(100, 3)) {
    const epoch = p.epoch + 1;
    p.observe(epoch, scores[epoch - 1] ?? 0);
    p.finish({ epoch, loss: 1, seconds: 0.5 });
    epochs.push(epoch);
  }
  // Epochs 3-4 miss twice; epoch 5's best resets the count, so only 6-8 use up patience 3.
  assert.deepEqual(epochs, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(p.bestEpoch, 5);
  assert.equal(p.best, 0.25);
  assert.equal(p.seconds, 4);
  const capped = new TrainProgress();
  let n = 0;
  while (capped.goOn(3, 10)) capped.finish({ epoch: ++n, loss: 1, seconds: 0 });
  assert.equal(n, 3, "the epoch budget is a cap");
});

test("progress and Adam's state survive a save and resume, with no best epoch yet", () => {
  const dir = mkdtempSync(join(tmpdir(), "demure-progress-"));
  const w = new Tensor(new Float32Array([1, 2, 3]), [3], true);
  w.name = "w";
  const opt = new Adam([w], { lr: 0.1 });
  w.grad = new Float32Array([0.5, -1, 2]);
  opt.update();
  const p = new TrainProgress();
  p.finish({ epoch: 1, loss: 0.7, seconds: 2 });
  p.save(join(dir, "resume.params"), [w], opt);

  const w2 = new Tensor(new Float32Array(3), [3], true);
  w2.name = "w";
  const opt2 = new Adam([w2], { lr: 0.1 });
  const back = TrainProgress.resume(join(dir, "resume.params"), [w2], opt2);
  assert.deepEqual([...w2.data], [...w.data]);
  assert.deepEqual([...opt2.m[0]!], [...opt.m[0]!]);
  assert.equal(opt2.step, opt.step);
  assert.equal(back.epoch, 1);
  assert.equal(back.best, Number.NEGATIVE_INFINITY, "JSON's null comes back as -Infinity");
  assert.deepEqual(back.history, p.history);
});
