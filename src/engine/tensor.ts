/**
 * A float32 tensor that remembers how it was made, micrograd-style: each
 * result of an op keeps its inputs (`parents`) and a closure (`backwardFn`)
 * that adds its gradient into theirs. `loss.backward()` walks that graph in
 * reverse topological order, then lets go of it so the buffers can be freed.
 */
import { native } from "./native.js";
import { alloc, allocUninit, recycle } from "./pool.js";
import { profiling, recordForward, timedBackward } from "./profile.js";

export type Shape = number[];

let gradEnabled = true;

/** Run `fn` without recording a graph (evaluation, parameter updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;
  /** Gradient of the loss with respect to this tensor, once backward has reached it. */
  grad: Float32Array | null = null;
  requiresGrad: boolean;
  parents: Tensor[];
  backwardFn: (() => void) | null;
  /** Parameter name, for leaves that are trained. */
  name: string | undefined;
  /** The op that made this tensor (only while profiling: profile.ts). */
  op: string | undefined;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    if (data.length !== sizeOf(shape)) {
      throw new Error(
        `tensor data has ${data.length} elements, shape [${shape}] needs ${sizeOf(shape)}`,
      );
    }
    this.data = data;
    this.shape = shape;
    this.requiresGrad = requiresGrad;
    this.parents = [];
    this.backwardFn = null;
    this.name = undefined;
    this.op = undefined;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The gradient buffer, allocated (zeroed) on first use. */
  ensureGrad(): Float32Array {
    if (this.grad === null) {
      // A trainable leaf's gradient outlives the step; an intermediate's is recycled with it.
      this.grad =
        this.backwardFn === null ? new Float32Array(this.data.length) : alloc(this.data.length);
    }
    return this.grad;
  }

  /**
   * Where an op's backward pass should put this tensor's gradient. When no
   * gradient has arrived yet (`fresh`), the buffer is uninitialised and the op
   * must OVERWRITE all of it (no zero-fill needed); otherwise it must ADD into it.
   * Ops that touch only part of the input use `ensureGrad()` instead.
   */
  gradSink(): { buf: Float32Array; fresh: boolean } {
    if (this.grad !== null) return { buf: this.grad, fresh: false };
    this.grad =
      this.backwardFn === null ? new Float32Array(this.data.length) : allocUninit(this.data.length);
    return { buf: this.grad, fresh: true };
  }

  /**
   * Hand `g` (a gradient shaped exactly like this tensor) over without a copy
   * when nothing has arrived yet and this is an intermediate (its buffer is
   * recycled with the step); otherwise add it in.
   */
  receiveGrad(g: Float32Array): void {
    if (this.grad === null && this.backwardFn !== null) this.grad = g;
    else addInto(this, g);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1)
      throw new Error(`item() needs one element, tensor has shape [${this.shape}]`);
    return this.data[0]!;
  }

  /** Back-propagate from this scalar, then free the graph below it. */
  backward(): void {
    if (this.data.length !== 1)
      throw new Error(`backward() needs a scalar, got shape [${this.shape}]`);
    const order = topologicalOrder(this);
    this.ensureGrad()[0] = 1;
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i]!;
      if (node.backwardFn === null || node.grad === null) continue;
      if (profiling) timedBackward(node.op ?? "op", node.backwardFn);
      else node.backwardFn();
      // Every op that reads this gradient has run (they come later in `order`),
      // so its buffer can serve the rest of the pass, unless it was handed on
      // to a parent as that parent's gradient (receiveGrad).
      const g = node.grad;
      if (!node.parents.some((p) => p.grad !== null && p.grad.buffer === g.buffer)) {
        recycle(g);
        node.grad = null;
      }
    }
    for (const node of order) {
      if (node.backwardFn !== null) {
        node.backwardFn = null;
        node.parents = [];
        node.grad = null;
      }
    }
  }

  toString(): string {
    return `Tensor[${this.shape}]`;
  }
}

/** Leaves first, `root` last; iterative so long graphs (GRU over 200 steps) cannot overflow the stack. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, next] = top;
    if (next < node.parents.length) {
      top[1] = next + 1;
      const p = node.parents[next]!;
      if (!seen.has(p) && p.requiresGrad) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

/**
 * The result of an op: records `parents` and `backward` only when gradients
 * are on and some input needs one.
 */
export function fromOp(
  data: Float32Array,
  shape: Shape,
  parents: Tensor[],
  backward: (out: Tensor) => void,
): Tensor {
  const out = new Tensor(data, shape);
  if (profiling) out.op = recordForward();
  if (gradEnabled && parents.some((p) => p.requiresGrad)) {
    out.requiresGrad = true;
    out.parents = parents;
    out.backwardFn = () => backward(out);
  }
  return out;
}

/** A constant tensor (no gradient). */
export function tensor(values: ArrayLike<number>, shape?: Shape): Tensor {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Tensor(data, shape ?? [data.length]);
}

export function zeros(shape: Shape): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)), shape);
}

export function full(shape: Shape, value: number): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape);
}

/** A trainable leaf. */
export function parameter(data: Float32Array, shape: Shape, name?: string): Tensor {
  const t = new Tensor(data, shape, true);
  t.name = name;
  return t;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertShape(t: Tensor, shape: readonly number[], what: string): void {
  if (!sameShape(t.shape, shape))
    throw new Error(`${what}: expected shape [${shape}], got [${t.shape}]`);
}

/** t.grad (+)= g, overwriting when t has no gradient yet. */
export function addInto(t: Tensor, g: Float32Array, alpha = 1): void {
  const { buf, fresh } = t.gradSink();
  if (fresh) native.scale(alpha, g, buf, buf.length);
  else native.axpy(alpha, g, buf, buf.length);
}
