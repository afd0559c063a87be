/**
 * The rows of the experiment grid (bench/experiments.ts): every dataset ×
 * backbone × variant, Demure's options where they were tried, and the
 * ablations. A row is one `demure train` command without its seed.
 */
import { join } from "node:path";

export interface Row {
  group: string;
  model: string;
  variant: string;
  args: string[];
  /** The evaluation protocol of the row's runs (its table's columns follow it). */
  protocol: "loo" | "user-split";
  /** The seeds this row runs with when fewer than the grid's (e.g. beauty's backbone family: 1). */
  seeds?: number[];
}

/** Where the datasets live: the shared real data and the two generated planted sets. */
export interface GridData {
  shared: string;
  planted: string;
  confounded: string;
  /** configs/comirec.yaml: ComiRec's setting (user split, sampled softmax, 10 × batch negatives). */
  comirec: string;
}

/** The backbones of the paper's family beside GRU4Rec and SASRec (issue 17). */
export const FAMILY = ["youtube", "mind", "comirec-dr", "comirec-sa", "bert4rec"];

/** Every run stops after 5 epochs without a better validation NDCG@10. */
const REAL = ["--patience", "5"];

/** Demure's options, each a row beside plain Demure where it was tried. */
const DEMURE_OPTIONS: Array<{ variant: string; flags: string[]; groups: (g: string) => boolean }> =
  [
    // A learned strength of the weights: tried on validation on scientific and planted.
    {
      variant: "demure + learned strength",
      flags: ["--learn-strength"],
      groups: (g) => g === "scientific" || g === "planted",
    },
    // The learned strength without the contrast: the best of Demure's settings on
    // scientific GRU4Rec's validation, where each alone was tried first.
    {
      variant: "demure + learned strength, no L_cl",
      flags: ["--learn-strength", "--no-cl"],
      groups: (g) => g === "scientific",
    },
    // The subset-surprise prior, where POI labels measure what it adds.
    {
      variant: "demure + surprise",
      flags: ["--surprise", "1"],
      groups: (g) => g.startsWith("planted"),
    },
  ];

export function gridRows({ shared, planted, confounded, comirec }: GridData): Row[] {
  const rows: Row[] = [];
  const data: Array<[string, string, string[]]> = [
    ["planted", planted, REAL],
    ["planted confounded 0.8", confounded, REAL],
    ["ml-100k", join(shared, "ml-100k"), REAL],
    ["scientific", join(shared, "scientific"), REAL],
    ["beauty", join(shared, "beauty"), REAL],
    ["ml-100k + 2 noise modalities", join(shared, "ml-100k"), [...REAL, "--noise-modalities", "2"]],
    [
      "scientific + 2 noise modalities",
      join(shared, "scientific"),
      [...REAL, "--noise-modalities", "2"],
    ],
  ];
  for (const [group, dir, extra] of data) {
    for (const model of ["sasrec", "gru4rec"]) {
      for (const variant of ["id", "mm", "demure"]) {
        if (extra.includes("--noise-modalities") && variant === "id") continue;
        const args = ["--data", dir, "--model", model, "--variant", variant, ...extra];
        rows.push({ group, model, variant, args, protocol: "loo" });
        if (variant !== "demure") continue;
        for (const option of DEMURE_OPTIONS) {
          if (option.groups(group)) {
            rows.push({
              group,
              model,
              variant: option.variant,
              args: [...args, ...option.flags],
              protocol: "loo",
            });
          }
        }
      }
    }
  }
  const ablations: Array<[string[], string]> = [
    [["--no-poi"], "no POI estimator"],
    [["--no-poi-loss"], "no L_poi"],
    [["--no-cl"], "no L_cl"],
    [["--hard-topk", "1"], "hard top-1"],
  ];
  for (const [group, dir, extra] of [
    ["planted", planted, REAL],
    ["ml-100k", join(shared, "ml-100k"), REAL],
    ["scientific", join(shared, "scientific"), REAL],
  ] as const) {
    for (const [flag, name] of ablations) {
      rows.push({
        group: `${group} ablations`,
        model: "sasrec",
        variant: `demure, ${name}`,
        args: ["--data", dir, "--model", "sasrec", "--variant", "demure", ...extra, ...flag],
        protocol: "loo",
      });
    }
  }
  // The paper's backbone family: ComiRec's setting on ml-100k and scientific
  // (user split, sampled softmax), and leave-one-out with full softmax on beauty, one seed.
  for (const data of ["ml-100k", "scientific"]) {
    for (const model of FAMILY) {
      for (const variant of ["id", "mm", "demure"]) {
        const args = ["--config", comirec, "--data", join(shared, data), "--model", model];
        rows.push({
          group: `${data} user-split`,
          model,
          variant,
          args: [...args, "--variant", variant, ...REAL],
          protocol: "user-split",
        });
      }
    }
  }
  for (const model of FAMILY) {
    for (const variant of ["id", "mm", "demure"]) {
      const args = ["--data", join(shared, "beauty"), "--model", model, "--variant", variant];
      rows.push({
        group: "beauty backbone family",
        model,
        variant,
        args: [...args, ...REAL],
        protocol: "loo",
        seeds: [1],
      });
    }
  }
  return rows;
}
