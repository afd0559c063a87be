import { BinaryOp, type BinaryOpName, native, UnaryOp, type UnaryOpName } from "../native.js";
import { allocUninit } from "../pool.js";
import { addInto, fromOp, type Tensor } from "../tensor.js";
import { broadcastApply, broadcastShape, type Layout, layoutOf, reduceInto } from "./broadcast.js";

const jsBinary: Record<BinaryOpName, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
};

/** Element-wise a (op) b with NumPy broadcasting. */
function binary(op: BinaryOpName, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShape(a.shape, b.shape);
  let out: Float32Array;
  const la = layoutOf(shape, a.shape);
  const lb = layoutOf(shape, b.shape);
  if (la.mode === 0 && lb.mode !== -1) {
    out = allocUninit(a.size);
    native.binary(BinaryOp[op], lb.mode, a.data, b.data, out, lb.rows, lb.cols);
  } else if ((op === "add" || op === "mul") && outer(la, lb)) {
    // A column times (or plus) a row: repeat the row, then apply the column to
    // it in place. add and mul commute exactly, so operand order does not matter.
    const [row, col] = la.mode === 1 ? [a, b] : [b, a];
    const { rows, cols } = la.mode === 1 ? la : lb;
    out = allocUninit(rows * cols);
    native.fillRows(row.data, out, rows, cols);
    native.binary(BinaryOp[op], 2, out, col.data, out, rows, cols);
  } else {
    out = broadcastApply(jsBinary[op], a.data, a.shape, b.data, b.shape, shape);
  }
  return fromOp(out, shape, [a, b], (c) => {
    const g = c.grad!;
    // The output's gradient buffer may be handed to one input as is (no copy);
    // another input that needs the same values gets them added in.
    let handedOver = false;
    for (const [t, which] of [
      [a, "a"],
      [b, "b"],
    ] as const) {
      if (!t.requiresGrad) continue;
      const gt = gradFor(op, which, g, a, b, shape);
      if (layoutOf(shape, t.shape).mode !== 0) reduceInto(gt, shape, t);
      else if (gt !== g) t.receiveGrad(gt);
      else if (!handedOver) {
        t.receiveGrad(g);
        handedOver = true;
      } else addInto(t, g);
    }
  });
}

/** One operand a column repeated over the columns, the other a row repeated over the rows. */
function outer(la: Layout, lb: Layout): boolean {
  return (
    ((la.mode === 1 && lb.mode === 2) || (la.mode === 2 && lb.mode === 1)) &&
    la.rows === lb.rows &&
    la.cols === lb.cols
  );
}

/** dL/d(input) over the broadcast output shape, before reduction to the input's shape. */
function gradFor(
  op: BinaryOpName,
  which: "a" | "b",
  g: Float32Array,
  a: Tensor,
  b: Tensor,
  shape: number[],
): Float32Array {
  if (op === "add") return g;
  if (op === "sub") {
    if (which === "a") return g;
    const neg = allocUninit(g.length);
    native.scale(-1, g, neg, g.length);
    return neg;
  }
  const other = which === "a" ? b : a;
  if (op === "mul") return timesBroadcast(g, other, shape);
  // div: d(a/b)/da = 1/b ; d(a/b)/db = -a/b²
  if (which === "a") return broadcastApply((x, y) => x / y, g, shape, b.data, b.shape, shape);
  const ab = broadcastApply((x, y) => -x / (y * y), a.data, a.shape, b.data, b.shape, shape);
  const out = allocUninit(g.length);
  native.binary(BinaryOp.mul, 0, g, ab, out, 1, g.length);
  return out;
}

function timesBroadcast(g: Float32Array, t: Tensor, shape: number[]): Float32Array {
  const l = layoutOf(shape, t.shape);
  if (l.mode === -1) return broadcastApply((x, y) => x * y, g, shape, t.data, t.shape, shape);
  const out = allocUninit(g.length);
  native.binary(BinaryOp.mul, l.mode, g, t.data, out, l.rows, l.cols);
  return out;
}

export const add = (a: Tensor, b: Tensor): Tensor => binary("add", a, b);
export const sub = (a: Tensor, b: Tensor): Tensor => binary("sub", a, b);
export const mul = (a: Tensor, b: Tensor): Tensor => binary("mul", a, b);
export const div = (a: Tensor, b: Tensor): Tensor => binary("div", a, b);

/** a * s for a plain number s. */
export function scale(a: Tensor, s: number): Tensor {
  const out = allocUninit(a.size);
  native.scale(s, a.data, out, a.size);
  return fromOp(out, a.shape, [a], (c) => addInto(a, c.grad!, s));
}

/** a + s for a plain number s. */
export function addScalar(a: Tensor, s: number): Tensor {
  const out = allocUninit(a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! + s;
  return fromOp(out, a.shape, [a], (c) => a.receiveGrad(c.grad!));
}

function unary(op: UnaryOpName, x: Tensor): Tensor {
  const out = allocUninit(x.size);
  native.unary(UnaryOp[op], x.data, out, x.size);
  return fromOp(out, x.shape, [x], (y) => {
    const { buf, fresh } = x.gradSink();
    native.unaryBackward(UnaryOp[op], x.data, y.data, y.grad!, buf, x.size, !fresh);
  });
}

export const relu = (x: Tensor): Tensor => unary("relu", x);
/** GELU with the exact erf form (as BERT and RecBole's SASRec use). */
export const gelu = (x: Tensor): Tensor => unary("gelu", x);
export const tanh = (x: Tensor): Tensor => unary("tanh", x);
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x);
export const exp = (x: Tensor): Tensor => unary("exp", x);
export const log = (x: Tensor): Tensor => unary("log", x);
export const neg = (x: Tensor): Tensor => unary("neg", x);
export const sqrt = (x: Tensor): Tensor => unary("sqrt", x);
