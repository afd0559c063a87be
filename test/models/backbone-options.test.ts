import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveConfig } from "../../src/train/config.js";

test("comirec-sa and bert4rec option blocks: defaults, ranges, heads dividing dim", () => {
  const cfg = resolveConfig({ data: "x", model: "bert4rec" });
  assert.deepEqual(cfg["comirec-sa"], { interests: 4, hiddenFactor: 4 });
  assert.deepEqual(cfg.bert4rec, {
    layers: 2,
    heads: 2,
    inner: 256,
    hiddenDropout: 0.2,
    attnDropout: 0.2,
    maskRatio: 0.2,
  });
  const fails = (input: Record<string, unknown>, key: RegExp): void => {
    assert.throws(() => resolveConfig({ data: "x", ...input }), key);
  };
  fails(
    { model: "bert4rec", dim: 30, bert4rec: { heads: 4 } },
    /bert4rec\.heads: 4 heads do not divide dim 30/,
  );
  fails({ bert4rec: { maskRatio: 1.5 } }, /bert4rec\.maskRatio/);
  fails({ "comirec-sa": { interests: 0 } }, /comirec-sa\.interests/);
  fails({ "comirec-sa": { hiddenFactor: 65 } }, /comirec-sa\.hiddenFactor/);
  fails({ "comirec-sa": { heads: 2 } }, /comirec-sa/);
  // heads need not divide dim for a model that is not the one trained.
  assert.equal(
    resolveConfig({ data: "x", dim: 30, model: "gru4rec", bert4rec: { heads: 4 } }).dim,
    30,
  );
});
