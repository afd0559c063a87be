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

/** Per-(b, h) Lq×Lk blocks of a [B·H, Lq, Lk] tensor. */
function blockLayout(lq: number, lk: number, heads: number): MatrixLayout {
  return { ld: lk, outer: heads * lq * lk, inner: lq * lk };
}

/** S[b,h] = alpha · Q[b,:,h] · K[b,:,h]ᵀ  → [B·H, Lq, Lk] */
function headScores(q: Tensor, k: Tensor, heads: number, alpha: number): Tensor {
  const [b, lq, d] = q.shape as [number, number, number];
  const lk = k.shape[1]!;
  const dh = d / heads;
  const lhq = headLayout(lq, d, dh);
  const lhk = headLayout(lk, d, dh);
  const ls = blockLayout(lq, lk, heads);
  const out = allocUninit(b * heads * lq * lk);
  gemmStrided(false, true, b, heads, lq, lk, dh, alpha, q.data, lhq, k.data, lhk, 0, out, ls);
  return fromOp(out, [b * heads, lq, lk], [q, k], (s) => {
    const g = s.grad!;
    if (q.requiresGrad) {
      const { buf, fresh } = q.gradSink();
      gemmStrided(
        false,
        false,
        b,
        heads,
        lq,
        dh,
        lk,
        alpha,
        g,
        ls,
        k.data,
        lhk,
        fresh ? 0 : 1,
        buf,
        lhq,
      );
    }
    if (k.requiresGrad) {
      const { buf, fresh } = k.gradSink();
      gemmStrided(
        true,
        false,
        b,
        heads,
        lk,
        dh,
        lq,
        alpha,
        g,
        ls,
        q.data,
        lhq,
        fresh ? 0 : 1,
        buf,
        lhk,
      );
    }
  });
}

/** C[b,:,h] = P[b,h] · V[b,:,h]  → [B, Lq, H·dh] */
function headContext(p: Tensor, v: Tensor, heads: number): Tensor {
  const [b, lk, d] = v.shape as [number, number, number];
  const lq = p.shape[1]!;
  const dh = d / heads;
  const lhq = headLayout(lq, d, dh);
  const lhk = headLayout(lk, d, dh);
  const ls = blockLayout(lq, lk, heads);
  const out = allocUninit(b * lq * d);
  gemmStrided(false, false, b, heads, lq, dh, lk, 1, p.data, ls, v.data, lhk, 0, out, lhq);
  return fromOp(out, [b, lq, d], [p, v], (c) => {
    const g = c.grad!;
    if (p.requiresGrad) {
      const { buf, fresh } = p.gradSink();
      gemmStrided(
        false,
        true,
        b,
        heads,
        lq,
        lk,
        dh,
        1,
        g,
        lhq,
        v.data,
        lhk,
        fresh ? 0 : 1,
        buf,
        ls,
      );
    }
    if (v.requiresGrad) {
      const { buf, fresh } = v.gradSink();
      gemmStrided(
        true,
        false,
        b,
        heads,
        lk,
        dh,
        lq,
        1,
        p.data,
        ls,
        g,
        lhq,
        fresh ? 0 : 1,
        buf,
        lhk,
      );
    }
  });
}

/**
 * softmax(Q·Kᵀ/√dh + mask)·V per head, for q [B, Lq, D] and k, v [B, Lk, D]
 * (D divisible by heads). Each head's slice is read and written in place
 * through strided matrix products. Returns [B, Lq, D]. Fewer queries than
 * keys (Lq < Lk: e.g. one query per row, at its last position) need
 * `causal: false`, the keys a query may not see masked out by `keyMask`.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const d = q.shape[2]!;
  if (d % opts.heads !== 0)
    throw new Error(`attention: d=${d} is not divisible by ${opts.heads} heads`);
  if (k.shape[0] !== q.shape[0] || k.shape[2] !== d || v.shape.some((n, i) => n !== k.shape[i]))
    throw new Error(`attention: q [${q.shape}], k [${k.shape}], v [${v.shape}] do not fit`);
  if (opts.causal && q.shape[1] !== k.shape[1])
    throw new Error(
      `attention: causal needs as many queries as keys (${q.shape[1]} vs ${k.shape[1]})`,
    );
  const scores = headScores(q, k, opts.heads, 1 / Math.sqrt(d / opts.heads));
  const p = maskedSoftmax(scores, {
    causal: opts.causal,
    keyMask: opts.keyMask,
    heads: opts.heads,
  });
  return headContext(p, v, opts.heads);
}
