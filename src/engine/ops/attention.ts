import { allocUninit } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";
import { gemmStrided, type MatrixLayout } from "./matmul.js";
import { maskedSoftmax } from "./softmax.js";

/** Options of scaled dot-product attention. */
export interface AttentionOptions {
  heads: number;
  /** Query i sees keys j <= i only (a left-to-right sequence model). */
  causal: boolean;
  /** [B, L] with 1 for real items, 0 for padding; null when nothing is padded. */
  keyMask: Uint8Array | null;
}

/** Head h of batch row b inside a [B, L, H·dh] activation, read in place (no transpose). */
function headLayout(l: number, d: number, dh: number): MatrixLayout {
  return { ld: d, outer: l * d, inner: dh };
}

/** Per-(b, h) L×L blocks of a [B·H, L, L] tensor. */
function blockLayout(l: number, heads: number): MatrixLayout {
  return { ld: l, outer: heads * l * l, inner: l * l };
}

/** S[b,h] = alpha · Q[b,:,h] · K[b,:,h]ᵀ  → [B·H, L, L] */
function headScores(q: Tensor, k: Tensor, heads: number, alpha: number): Tensor {
  const [b, l, d] = q.shape as [number, number, number];
  const dh = d / heads;
  const lh = headLayout(l, d, dh);
  const ls = blockLayout(l, heads);
  const out = allocUninit(b * heads * l * l);
  gemmStrided(false, true, b, heads, l, l, dh, alpha, q.data, lh, k.data, lh, 0, out, ls);
  return fromOp(out, [b * heads, l, l], [q, k], (s) => {
    const g = s.grad!;
    if (q.requiresGrad) {
      const { buf, fresh } = q.gradSink();
      gemmStrided(
        false,
        false,
        b,
        heads,
        l,
        dh,
        l,
        alpha,
        g,
        ls,
        k.data,
        lh,
        fresh ? 0 : 1,
        buf,
        lh,
      );
    }
    if (k.requiresGrad) {
      const { buf, fresh } = k.gradSink();
      gemmStrided(
        true,
        false,
        b,
        heads,
        l,
        dh,
        l,
        alpha,
        g,
        ls,
        q.data,
        lh,
        fresh ? 0 : 1,
        buf,
        lh,
      );
    }
  });
}

/** C[b,:,h] = P[b,h] · V[b,:,h]  → [B, L, H·dh] */
function headContext(p: Tensor, v: Tensor, heads: number): Tensor {
  const [b, l, d] = v.shape as [number, number, number];
  const dh = d / heads;
  const lh = headLayout(l, d, dh);
  const ls = blockLayout(l, heads);
  const out = allocUninit(b * l * d);
  gemmStrided(false, false, b, heads, l, dh, l, 1, p.data, ls, v.data, lh, 0, out, lh);
  return fromOp(out, [b, l, d], [p, v], (c) => {
    const g = c.grad!;
    if (p.requiresGrad) {
      const { buf, fresh } = p.gradSink();
      gemmStrided(false, true, b, heads, l, l, dh, 1, g, lh, v.data, lh, fresh ? 0 : 1, buf, ls);
    }
    if (v.requiresGrad) {
      const { buf, fresh } = v.gradSink();
      gemmStrided(true, false, b, heads, l, dh, l, 1, p.data, ls, g, lh, fresh ? 0 : 1, buf, lh);
    }
  });
}

/**
 * softmax(Q·Kᵀ/√dh + mask)·V per head, for q, k, v of shape [B, L, D]
 * (D divisible by heads). Each head's slice is read and written in place
 * through strided matrix products. Returns [B, L, D].
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const d = q.shape[2]!;
  if (d % opts.heads !== 0)
    throw new Error(`attention: d=${d} is not divisible by ${opts.heads} heads`);
  const scores = headScores(q, k, opts.heads, 1 / Math.sqrt(d / opts.heads));
  const p = maskedSoftmax(scores, {
    causal: opts.causal,
    keyMask: opts.keyMask,
    heads: opts.heads,
  });
  return headContext(p, v, opts.heads);
}
