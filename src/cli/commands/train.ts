import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { type Command, Option } from "commander";
import { engineInfo } from "../../engine/native.js";
import { BACKBONE_NAMES } from "../../models/backbones/registry.js";
import { readConfigFile, resolveConfig, type TrainConfigInput } from "../../train/config.js";
import { PROTOCOLS } from "../../train/protocol.js";
import { readRunConfig, runPath } from "../../train/run-dir.js";
import { type TrainResult, train } from "../../train/trainer.js";
import { Interrupted, RunFailure, UserError } from "../../util/errors.js";
import { makeOutput } from "../output.js";
import { nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from "../parse.js";
import { type Progress, progressBar } from "../progress.js";
import { contractMetrics, formatMetrics } from "../table.js";

interface TrainFlags {
  data?: string;
  model?: string;
  variant?: string;
  epochs?: number;
  seed?: number;
  out?: string;
  config?: string;
  noiseModalities?: number;
  batchSize?: number;
  lr?: number;
  maxLength?: number;
  patience?: number;
  resume?: boolean;
  overwrite?: boolean;
  json?: boolean;
  poi?: boolean;
  poiLoss?: boolean;
  cl?: boolean;
  hardTopk?: number;
  surprise?: number;
  learnStrength?: boolean;
  protocol?: string;
  loss?: string;
  negatives?: number;
  sampler?: string;
}

/** Flags override the config file; the schema checks the result (unknown keys are errors). */
function configFrom(flags: TrainFlags): TrainConfigInput {
  const file = flags.config === undefined ? {} : readConfigFile(flags.config);
  const over: Record<string, unknown> = {};
  const map: Array<[keyof TrainFlags, string]> = [
    ["data", "data"],
    ["model", "model"],
    ["variant", "variant"],
    ["epochs", "epochs"],
    ["seed", "seed"],
    ["noiseModalities", "noiseModalities"],
    ["batchSize", "batchSize"],
    ["lr", "lr"],
    ["maxLength", "maxLength"],
    ["patience", "patience"],
    ["protocol", "protocol"],
    ["loss", "loss"],
    ["negatives", "negatives"],
    ["sampler", "sampler"],
  ];
  for (const [flag, key] of map) if (flags[flag] !== undefined) over[key] = flags[flag];
  // Demure's ablation switches: each one flag, so an ablation is a run, not a code edit.
  const demure: Record<string, unknown> = {
    ...((file.demure as Record<string, unknown> | undefined) ?? {}),
  };
  if (flags.poi === false) demure.poi = false;
  if (flags.poiLoss === false) demure.poiLoss = false;
  if (flags.cl === false) demure.cl = false;
  if (flags.hardTopk !== undefined) demure.hardTopK = flags.hardTopk;
  if (flags.surprise !== undefined) demure.surprise = flags.surprise;
  if (flags.learnStrength === true) demure.learnStrength = true;
  if (Object.keys(demure).length > 0) over.demure = demure;
  return { ...file, ...over } as TrainConfigInput;
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description(
      "Train a sequential recommender with early stopping on validation (NDCG@10 under --protocol loo, recall@50 under user-split), then evaluate on test",
    )
    .option("--data <dir>", "dataset folder of RecBole atomic files (NAME.inter, NAME.item, ...)")
    .option("--model <name>", `backbone: ${BACKBONE_NAMES.join(" | ")}`)
    .option("--variant <name>", "id | mm | demure")
    .addOption(
      new Option(
        "--protocol <name>",
        "evaluation: loo (leave-one-out) | user-split (ComiRec's 8:1:1 users, 20 % of each held-out history as targets)",
      ).choices(["loo", "user-split"]),
    )
    .addOption(
      new Option(
        "--loss <name>",
        "recommendation loss: ce (full softmax) | sampled (sampled softmax, logQ-corrected) | inbatch",
      ).choices(["ce", "sampled", "inbatch"]),
    )
    .option(
      "--negatives <n>",
      "negatives per batch for --loss sampled, drawn with replacement (default 10 × batch size)",
      positiveInt("--negatives"),
    )
    .addOption(
      new Option(
        "--sampler <name>",
        "how --loss sampled draws negatives: log-uniform (by training popularity rank; default) | uniform",
      ).choices(["uniform", "log-uniform"]),
    )
    .option("--epochs <n>", "most epochs", positiveInt("--epochs"))
    .option("--seed <n>", "random seed", nonNegativeInt("--seed"))
    .option("--out <dir>", "run directory (default: runs/DATASET-MODEL-VARIANT-sSEED)")
    .option("--config <file>", "YAML or JSON config; flags override it")
    .option(
      "--noise-modalities <k>",
      "add k modalities of pure noise",
      nonNegativeInt("--noise-modalities"),
    )
    .option("--batch-size <n>", "training batch size", positiveInt("--batch-size"))
    .option("--lr <x>", "learning rate", positiveNumber("--lr"))
    .option("--max-length <n>", "longest history kept", positiveInt("--max-length"))
    .option(
      "--patience <n>",
      "epochs without improvement before stopping",
      positiveInt("--patience"),
    )
    .option("--no-poi", "demure ablation: no POI estimator (uniform modality weights)")
    .option("--no-poi-loss", "demure ablation: no pseudo-label (L_poi) supervision")
    .option("--no-cl", "demure ablation: no denoising contrast (L_cl)")
    .option(
      "--hard-topk <k>",
      "demure: keep only the k highest-weighted modalities per user",
      positiveInt("--hard-topk"),
    )
    .option(
      "--surprise <beta>",
      "demure: weight of the subset-surprise prior on the POI weights (0 = off)",
      nonNegativeNumber("--surprise"),
    )
    .option(
      "--learn-strength",
      "demure: learn how strongly the POI weights apply (toward MM's uniform weights)",
    )
    .option("--resume", "continue the run in --out from its last finished epoch")
    .option(
      "--overwrite",
      "replace the run in --out (it stays intact until the new run's first epoch is saved)",
    )
    .option("--json", "print one JSON object as the last stdout line")
    .action(async (flags: TrainFlags) => {
      // Load the kernels before any progress bar starts, so a load error ends the command at once.
      engineInfo();
      const out = makeOutput(flags.json === true);
      let cfg: ReturnType<typeof resolveConfig>;
      let dir: string;
      if (flags.resume === true) {
        if (flags.out === undefined)
          throw new UserError("--resume needs --out RUN_DIR (the run to continue)");
        dir = flags.out;
        cfg = readRunConfig(dir);
      } else {
        cfg = resolveConfig(configFrom(flags), flags.config ?? "flags");
        dir =
          flags.out ??
          resolve(
            "runs",
            `${basename(resolve(cfg.data))}-${cfg.model}-${cfg.variant}-s${cfg.seed}`,
          );
      }
      // SIGINT (Ctrl-C) or SIGTERM: finish the batch, keep the last finished epoch, exit 130.
      let stop: NodeJS.Signals | null = null;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stop !== null) process.exit(130);
        stop = signal;
        out.note(
          `\n${signal}: stopping after this batch; the last finished epoch is saved (resume with --resume)`,
        );
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      let bar: Progress | null = null;
      let result: TrainResult;
      try {
        result = await train(cfg, dir, {
          resume: flags.resume === true,
          overwrite: flags.overwrite === true,
          shouldStop: () => stop !== null,
          onNote: (m) => out.note(m),
          onEpochStart: (epoch, total) => {
            bar = progressBar(total, `epoch ${epoch}/${cfg.epochs}`);
          },
          onBatch: (_e, _d, _t, loss) => bar?.tick(1, `loss ${loss.toFixed(4)}`),
          onEpoch: (rec) => {
            bar?.stop();
            const v = rec.valid;
            const logged = PROTOCOLS[cfg.protocol].logged
              .map((k) => `${k} ${(v?.[k] ?? Number.NaN).toFixed(4)}`)
              .join(" ");
            const parts = Object.entries(rec.parts ?? {})
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(", ");
            out.note(
              `epoch ${rec.epoch}: loss ${rec.loss.toFixed(4)}${parts === "" ? "" : ` (${parts})`}` +
                (v ? `, valid ${logged}` : "") +
                ` (${rec.seconds.toFixed(1)} s)`,
            );
          },
        });
      } catch (e) {
        throw withResumeHint(e, dir);
      } finally {
        (bar as Progress | null)?.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      if (result.interrupted === true) {
        const signal = stop ?? "SIGINT";
        const kept =
          result.kept_earlier_run === true
            ? ` before the first epoch was saved; the earlier run in ${dir} is untouched`
            : `; resume with: demure train --resume --out ${dir}`;
        throw new Interrupted(`interrupted by ${signal}${kept}`, signal);
      }
      const { interrupted: _drop, kept_earlier_run: _kept, ...rest } = result;
      const json = { ...rest, test: contractMetrics(rest.test, rest.protocol) };
      out.result(json, (r) =>
        [
          `${r.model} ${r.variant} on ${r.dataset}: ${r.epochs_run} epochs, best ${r.best_epoch}, ${r.train_seconds} s`,
          formatMetrics("test", r.test, r.protocol),
          `run directory: ${r.run_dir}`,
        ].join("\n"),
      );
    });
}

/** A disk-full or permission failure says how to continue once it is fixed. */
function withResumeHint(e: unknown, dir: string): unknown {
  if (!(e instanceof RunFailure) || (e.code !== "disk_full" && e.code !== "permission")) return e;
  const hint = existsSync(runPath(dir, "resume"))
    ? `; free space or fix permissions, then continue with: demure train --resume --out ${dir}`
    : "; free space or fix permissions, then run the same command again";
  return new RunFailure(e.code, e.message + hint);
}
