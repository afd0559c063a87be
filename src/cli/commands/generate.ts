import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { generatePlanted, writePlanted } from "../../data/planted.js";
import { makeOutput } from "../output.js";
import { nonNegativeInt, positiveInt, probability } from "../parse.js";

interface GenerateFlags {
  out: string;
  name?: string;
  users?: number;
  items?: number;
  modalities?: number;
  clusters?: number;
  noise?: number;
  confounding?: number;
  seed?: number;
  json?: boolean;
}

export function registerGenerate(program: Command): void {
  const gen = program.command("generate").description("Write synthetic datasets");
  gen
    .command("planted")
    .description(
      "Planted-POI data: each user's next item follows their clusters in 1-2 POI modalities only; NAME.poi holds the labels",
    )
    .requiredOption("--out <dir>", "folder to write NAME.inter, NAME.item and NAME.poi into")
    .option(
      "--name <name>",
      "dataset name, the file prefix (default: the folder's name, as RecBole expects)",
    )
    .option("--users <n>", "number of users (default 1000)", positiveInt("--users"))
    .option("--items <n>", "number of items (default 500)", positiveInt("--items"))
    .option("--modalities <n>", "number of modalities (default 4)", positiveInt("--modalities"))
    .option("--clusters <n>", "latent clusters per modality (default 8)", positiveInt("--clusters"))
    .option(
      "--noise <p>",
      "probability an interaction is random (default 0.1)",
      probability("--noise"),
    )
    .option(
      "--confounding <p>",
      "probability modality m copies modality m-1's cluster (default 0)",
      probability("--confounding"),
    )
    .option("--seed <n>", "random seed (default 0)", nonNegativeInt("--seed"))
    .option("--json", "print one JSON object as the last stdout line")
    .action((f: GenerateFlags) => {
      const out = makeOutput(f.json === true);
      const data = generatePlanted({
        ...(f.users !== undefined ? { users: f.users } : {}),
        ...(f.items !== undefined ? { items: f.items } : {}),
        ...(f.modalities !== undefined ? { modalities: f.modalities } : {}),
        ...(f.clusters !== undefined ? { clustersPerModality: f.clusters } : {}),
        ...(f.noise !== undefined ? { noise: f.noise } : {}),
        ...(f.confounding !== undefined ? { confounding: f.confounding } : {}),
        ...(f.seed !== undefined ? { seed: f.seed } : {}),
      });
      const name = f.name ?? basename(resolve(f.out));
      const files = writePlanted(f.out, name, data);
      const interactions = data.sequences.reduce((s, q) => s + q.length, 0);
      out.result(
        {
          dir: f.out,
          name,
          users: data.numUsers,
          items: data.numItems,
          modalities: data.numModalities,
          interactions,
          files,
        },
        (r) =>
          `wrote ${r.name}: ${r.users} users, ${r.items} items, ${r.modalities} modalities, ${r.interactions} interactions to ${r.dir}`,
      );
    });
}
