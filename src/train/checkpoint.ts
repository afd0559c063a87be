import { existsSync } from "node:fs";
import type { Adam, NamedArray, Tensor } from "../engine/index.js";
import { loadArrays, saveArrays } from "../engine/index.js";
import { UserError } from "../util/errors.js";

/** Parameters are stored as "index:name" so two parts may share a name safely. */
export function paramKey(i: number, p: Tensor): string {
  return `${i}:${p.name ?? "param"}`;
}

export function paramArrays(params: Tensor[]): Map<string, NamedArray> {
  return new Map(params.map((p, i) => [paramKey(i, p), { shape: p.shape, data: p.data }]));
}

/** Copy saved values into the model's parameters, checking that the model matches the file. */
export function restoreParams(
  params: Tensor[],
  arrays: Map<string, NamedArray>,
  file: string,
): void {
  params.forEach((p, i) => {
    const a = arrays.get(paramKey(i, p));
    if (a === undefined || a.data.length !== p.size) {
      throw new UserError(
        `parameter ${paramKey(i, p)} [${p.shape}] is missing or has another shape: the file belongs to a different model or config`,
        { file },
      );
    }
    p.data.set(a.data);
  });
}

export function saveParams(path: string, params: Tensor[], meta: unknown): void {
  saveArrays(path, paramArrays(params), meta);
}

export function loadParams(path: string, params: Tensor[]): unknown {
  const { arrays, meta } = loadArrays(path);
  restoreParams(params, arrays, path);
  return meta;
}

/** Parameters plus Adam's moments and step: everything needed to continue training exactly. */
export function saveTrainingState(
  path: string,
  params: Tensor[],
  opt: Adam,
  meta: Record<string, unknown>,
): void {
  const arrays = paramArrays(params);
  opt.m.forEach((m, i) => {
    arrays.set(`adam.m/${i}`, { shape: [m.length], data: m });
  });
  opt.v.forEach((v, i) => {
    arrays.set(`adam.v/${i}`, { shape: [v.length], data: v });
  });
  saveArrays(path, arrays, { ...meta, adamStep: opt.step });
}

export function loadTrainingState(
  path: string,
  params: Tensor[],
  opt: Adam,
): Record<string, unknown> {
  if (!existsSync(path))
    throw new UserError("no resumable checkpoint here (was the run started?)", { file: path });
  const { arrays, meta } = loadArrays(path);
  restoreParams(params, arrays, path);
  opt.m.forEach((m, i) => {
    m.set(arrays.get(`adam.m/${i}`)!.data);
  });
  opt.v.forEach((v, i) => {
    v.set(arrays.get(`adam.v/${i}`)!.data);
  });
  const rec = meta as Record<string, unknown>;
  opt.step = Number(rec.adamStep ?? 0);
  return rec;
}
