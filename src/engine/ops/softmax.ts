import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";

function rowsCols(x: Tensor): [number, number] {
  const cols = x.shape[x.rank - 1]!;
  return [x.size / cols, cols];
}

/** Softmax over the last axis. */
export function softmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x);
  const y = allocUninit(x.size);
  native.softmax(x.data, y, rows, cols, false);
  return fromOp(y, x.shape, [x], (out) => {
    const sink = x.gradSink();
    native.softmaxBackward(y, out.grad!, sink.buf, rows, cols, false, !sink.fresh);
  });
}

/** log(softmax(x)) over the last axis, computed stably. */
export function logSoftmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x);
  const y = allocUninit(x.size);
  native.softmax(x.data, y, rows, cols, true);
  return fromOp(y, x.shape, [x], (out) => {
    const sink = x.gradSink();
    native.softmaxBackward(y, out.grad!, sink.buf, rows, cols, true, !sink.fresh);
  });
}

/** Options of `maskedSoftmax`. */
export interface AttentionMask {
  /** Query i may only see keys j <= i. */
  causal: boolean;
  /** [batch, keys], 1 where the key is a real item, 0 for padding (null: all real). */
  keyMask: Uint8Array | null;
  /** Query blocks per batch row that share one key mask (attention heads). */
  heads: number;
}

/**
 * Softmax over the last axis of attention scores [batch*heads, lq, lk],
 * with masked keys given zero weight (a row with no visible key is all zero).
 */
export function maskedSoftmax(scores: Tensor, mask: AttentionMask): Tensor {
  const [bh, lq, lk] = scores.shape as [number, number, number];
  const batch = bh / mask.heads;
  const y = allocUninit(scores.size);
  native.softmaxMasked(scores.data, y, batch, mask.heads, lq, lk, mask.causal, mask.keyMask);
  return fromOp(y, scores.shape, [scores], (out) => {
    const sink = scores.gradSink();
    native.softmaxBackward(y, out.grad!, sink.buf, bh * lq, lk, false, !sink.fresh);
  });
}
