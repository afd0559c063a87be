/**
 * The command line of the planted-data oracle scripts: the generator's
 * options as flags, plus a script's own numeric flags. A bad flag or value
 * prints the usage and exits 2.
 */
import { parseArgs } from "node:util";
import { generatePlanted, type PlantedData } from "../src/data/planted.js";

const generatorFlags = ["users", "items", "modalities", "clusters", "confounding", "seed"] as const;

/**
 * Parse `process.argv` for `script`: the generator flags (`--seed` defaults
 * to 0, the grid's data) and `extra` flags with their default values.
 * Returns the generated data and the extra values.
 */
export function plantedFromFlags<E extends string>(
  script: string,
  extra: Record<E, number> = {} as Record<E, number>,
): { data: PlantedData; extra: Record<E, number> } {
  const names = [...generatorFlags, ...(Object.keys(extra) as E[])];
  const usage = `usage: node dist/bench/${script}.js ${names.map((n) => `[--${n} N]`).join(" ")}`;
  const fail = (message: string): never => {
    console.error(`${script}: ${message}\n${usage}`);
    process.exit(2);
  };
  let values: Record<string, string | undefined> = {};
  try {
    values = parseArgs({
      options: Object.fromEntries(names.map((n) => [n, { type: "string" as const }])),
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (error) {
    fail((error as Error).message);
  }
  const num = (name: string): number | undefined => {
    const text = values[name];
    if (text === undefined) return undefined;
    const v = Number(text);
    return Number.isFinite(v) ? v : fail(`--${name} expects a number, got "${text}"`);
  };
  const data = generatePlanted({
    users: num("users"),
    items: num("items"),
    modalities: num("modalities"),
    clustersPerModality: num("clusters"),
    confounding: num("confounding"),
    seed: num("seed") ?? 0,
  });
  const chosen = Object.fromEntries(
    (Object.keys(extra) as E[]).map((k) => [k, num(k) ?? extra[k]]),
  ) as Record<E, number>;
  return { data, extra: chosen };
}
