import type { Rng } from "../util/rng.js";
import { parameter, sizeOf, type Tensor } from "./tensor.js";

/** Parameter initialisers, each seeded by the caller's Rng. */
export function normalInit(shape: number[], std: number, rng: Rng, name?: string): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
  return parameter(data, shape, name);
}

/** Glorot/Xavier uniform for a [fanIn, fanOut] matrix. */
export function xavierInit(shape: [number, number], rng: Rng, name?: string): Tensor {
  const bound = Math.sqrt(6 / (shape[0] + shape[1]));
  const data = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < data.length; i++) data[i] = (rng.uniform() * 2 - 1) * bound;
  return parameter(data, shape, name);
}

export function constantInit(shape: number[], value: number, name?: string): Tensor {
  return parameter(new Float32Array(sizeOf(shape)).fill(value), shape, name);
}
