import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { generatePlanted, writePlanted } from "../../data/planted.js";
import { engineInfo } from "../../engine/native.js";
import { resolveConfig } from "../../train/config.js";
import { train } from "../../train/trainer.js";
import { makeOutput } from "../output.js";
import { nonNegativeInt, positiveInt } from "../parse.js";
import { type Progress, progressBar } from "../progress.js";
import { formatTable } from "../table.js";

interface DemoRow {
  model: string;
  variant: string;
  epochs: number;
  seconds: number;
  "hr@10": number;
  "ndcg@10": number;
  "mrr@10": number;
  poi_auc?: number;
  coherence_poi_auc?: number;
}

/** The variants the demo compares, in table order. */
const DEMO_VARIANTS = ["id", "mm", "demure"] as const;

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Generate planted-POI data, train SASRec as ID-only, multi-modal (MM) and Demure on it, and print test metrics and POI recovery",
    )
    .option("--out <dir>", "where the data and runs go", "runs/demo")
    .option("--users <n>", "users in the generated data", positiveInt("--users"), 400)
    .option("--epochs <n>", "most epochs per model", positiveInt("--epochs"), 8)
    .option("--seed <n>", "random seed", nonNegativeInt("--seed"), 0)
    .option("--json", "print one JSON object as the last stdout line")
    .action(
      async (f: { out: string; users: number; epochs: number; seed: number; json?: boolean }) => {
        // Load the kernels before any progress bar starts, so a load error ends the command at once.
        engineInfo();
        const out = makeOutput(f.json === true);
        const dataDir = resolve(f.out, "planted");
        mkdirSync(dataDir, { recursive: true });
        const data = generatePlanted({ users: f.users, items: 300, seed: f.seed });
        writePlanted(dataDir, "planted", data);
        out.note(
          `generated ${data.numUsers} users, ${data.numItems} items, ${data.numModalities} modalities in ${dataDir}`,
        );
        const rows: DemoRow[] = [];
        for (const variant of DEMO_VARIANTS) {
          const cfg = resolveConfig({
            data: dataDir,
            model: "sasrec",
            variant,
            epochs: f.epochs,
            patience: 3,
            seed: f.seed,
          });
          let bar: Progress | null = null;
          // The demo regenerates its data, so its runs are replaced on every call.
          const r = await train(cfg, join(f.out, `sasrec-${variant}`), {
            overwrite: true,
            onEpochStart: (e, total) => {
              bar = progressBar(total, `sasrec ${variant} epoch ${e}`);
            },
            onBatch: (_e, _d, _t, loss) => bar?.tick(1, `loss ${loss.toFixed(3)}`),
            onEpoch: () => bar?.stop(),
          });
          rows.push({
            model: r.model,
            variant: r.variant,
            epochs: r.epochs_run,
            seconds: r.train_seconds,
            "hr@10": r.test["hr@10"]!,
            "ndcg@10": r.test["ndcg@10"]!,
            "mrr@10": r.test["mrr@10"]!,
            ...(r.poi_auc !== undefined ? { poi_auc: r.poi_auc } : {}),
            ...(r.coherence_poi_auc !== undefined
              ? { coherence_poi_auc: r.coherence_poi_auc }
              : {}),
          });
        }
        const demure = rows.find((x) => x.variant === "demure");
        const mm = rows.find((x) => x.variant === "mm");
        // The demo trains under the default protocol (config `protocol`), leave-one-out.
        out.result({ dataset: dataDir, protocol: "loo", rows }, (r) =>
          [
            `planted-POI data (${data.numUsers} users, ${data.numItems} items, ${data.numModalities} modalities), test metrics, full ranking (protocol ${r.protocol}):`,
            formatTable(
              ["model", "variant", "epochs", "seconds", "HR@10", "NDCG@10", "MRR@10", "POI-AUC"],
              r.rows.map((x) => [
                x.model,
                x.variant,
                String(x.epochs),
                x.seconds.toFixed(1),
                x["hr@10"].toFixed(4),
                x["ndcg@10"].toFixed(4),
                x["mrr@10"].toFixed(4),
                x.poi_auc === undefined ? "-" : x.poi_auc.toFixed(3),
              ]),
            ),
            demure && mm
              ? `Demure / MM NDCG@10: ${(demure["ndcg@10"] / mm["ndcg@10"]).toFixed(2)}x. POI-AUC of the plain coherence heuristic on the same data: ${demure.coherence_poi_auc?.toFixed(3) ?? "-"}.`
              : "",
            `Explain a user: npx demure explain --run ${join(f.out, "sasrec-demure")} --user 1`,
          ].join("\n"),
        );
      },
    );
}
