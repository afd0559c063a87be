import type { Rng } from "../../util/rng.js";
import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";

/**
 * Inverted dropout: zero each element with probability p and scale the rest
 * by 1/(1-p). The mask comes from a counter-based generator seeded by `rng`,
 * so it is the same for the same seed however many threads compute it.
 * Identity when `training` is false or p is 0.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!training || p <= 0) return x;
  if (p >= 1) throw new Error(`dropout: p must be < 1, got ${p}`);
  const mask = allocUninit(x.size);
  const y = allocUninit(x.size);
  native.dropout(x.data, y, mask, x.size, p, rng.nextU32(), rng.nextU32());
  return fromOp(y, x.shape, [x], (out) => {
    const { buf, fresh } = x.gradSink();
    if (fresh) native.binary(2, 0, out.grad!, mask, buf, 1, x.size);
    else native.mulAccumulate(out.grad!, mask, buf, x.size);
  });
}
