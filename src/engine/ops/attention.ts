import type { Tensor } from "../tensor.js";
import { scale } from "./elementwise.js";
import { bmm } from "./matmul.js";
import { reshape, transpose } from "./shape.js";
import { maskedSoftmax } from "./softmax.js";

/** Options of scaled dot-product attention. */
export interface AttentionOptions {
  heads: number;
  /** Query i sees keys j <= i only (a left-to-right sequence model). */
  causal: boolean;
  /** [B, L] with 1 for real items, 0 for padding; null when nothing is padded. */
  keyMask: Uint8Array | null;
}

/** [B, L, H*dh] → [B*H, L, dh] */
function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, l, d] = x.shape as [number, number, number];
  if (heads === 1) return x;
  return reshape(transpose(reshape(x, [b, l, heads, d / heads]), [0, 2, 1, 3]), [b * heads, l, d / heads]);
}

/** [B*H, L, dh] → [B, L, H*dh] */
function mergeHeads(x: Tensor, heads: number): Tensor {
  if (heads === 1) return x;
  const [bh, l, dh] = x.shape as [number, number, number];
  return reshape(transpose(reshape(x, [bh / heads, heads, l, dh]), [0, 2, 1, 3]), [bh / heads, l, heads * dh]);
}

/**
 * softmax(Q·Kᵀ/√dh + mask)·V over heads, for q, k, v of shape [B, L, D]
 * (D divisible by heads). Returns [B, L, D].
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const d = q.shape[2]!;
  if (d % opts.heads !== 0) throw new Error(`attention: d=${d} is not divisible by ${opts.heads} heads`);
  const dh = d / opts.heads;
  const qh = splitHeads(q, opts.heads);
  const kh = splitHeads(k, opts.heads);
  const vh = splitHeads(v, opts.heads);
  const scores = scale(bmm(qh, kh, { transB: true }), 1 / Math.sqrt(dh));
  const p = maskedSoftmax(scores, { causal: opts.causal, keyMask: opts.keyMask, heads: opts.heads });
  return mergeHeads(bmm(p, vh), opts.heads);
}
