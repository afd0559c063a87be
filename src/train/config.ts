import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import {
  BACKBONE_NAMES,
  BACKBONES,
  type BackboneEntry,
  type BackboneName,
} from "../models/backbones/registry.js";
import { UserError } from "../util/errors.js";

/**
 * Everything a training run depends on. One schema is the single source of
 * truth: types, defaults and error messages come from it; unknown keys are
 * errors. A run directory stores the resolved config, so a run can be redone.
 * Every number has a range (the `.min`/`.max` below, listed in the README):
 * a value outside it is an exit-2 error naming the key, never a run that
 * allocates without bound.
 */
/**
 * One options block per registered backbone (`sasrec: {...}`, `mind: {...}`),
 * each its backbone file's schema with its defaults: a new backbone needs no
 * change here.
 */
const backboneBlocks = Object.fromEntries(
  BACKBONE_NAMES.map((n) => {
    const options = (BACKBONES[n] as unknown as BackboneEntry).options;
    return [n, options.default(options.parse({}))];
  }),
) as unknown as { [K in BackboneName]: z.ZodDefault<(typeof BACKBONES)[K]["options"]> };

const demure = z
  .object({
    /** Temperature of the softmax over modalities that gives π_u. */
    tauPi: z.number().positive().default(1),
    /** softmax over modalities (weights sum to 1) or independent sigmoids. */
    gate: z.enum(["softmax", "sigmoid"]).default("softmax"),
    /** Temperature of the pseudo-labels y_u = softmax(−l_u / τ_y). */
    tauY: z.number().positive().default(0.5),
    /** Temperature of the InfoNCE losses. */
    tauCl: z.number().positive().default(0.2),
    /**
     * Weight of L_poi. 1 beat 0.1 on validation NDCG@10 on the planted demo
     * data (0.4637 vs 0.4612) and on scientific (0.1134 vs 0.1083, SASRec,
     * seed 1); docs/results.md.
     */
    lambdaPoi: z.number().min(0).default(1),
    lambdaCl: z.number().min(0).default(0.1),
    /** Ablations: no POI estimator (π uniform), no L_poi, no L_cl. */
    poi: z.boolean().default(true),
    poiLoss: z.boolean().default(true),
    cl: z.boolean().default(true),
    /** Keep only the K highest-weighted modalities per user (0 = soft weights). */
    hardTopK: z.number().int().min(0).max(1024).default(0),
    /**
     * Let the recommendation loss train the POI estimator too. Off: only the
     * pseudo-labels (L_poi) train it, chosen on validation (docs/results.md).
     */
    recLossTrainsPoi: z.boolean().default(false),
    /** The optional modality-drop augmentation view. */
    augment: z.boolean().default(false),
    /**
     * Pseudo-label criterion: "marginal" (DEMURE.md 3a: l_u^m, m alone) or
     * "conditional" (what m adds beside the other modalities; docs/results.md).
     */
    pseudoLabel: z.enum(["marginal", "conditional"]).default("marginal"),
    /** Expected fraction of a user's modalities the augmentation view drops. */
    augmentRate: z.number().min(0).max(1).default(0.3),
    /**
     * Weight β of the subset-surprise log-prior in the pseudo-labels and π
     * (0 = off: DEMURE.md's pseudo-labels; docs/results.md).
     */
    surprise: z.number().min(0).default(0),
    /** Learn the strength a of the weights, w = 1 + a·(w_π − 1) (a = 1 fixed when off). */
    learnStrength: z.boolean().default(false),
  })
  .strict();

export const TrainConfigSchema = z
  .object({
    data: z.string().min(1),
    model: z.enum(BACKBONE_NAMES).default("sasrec"),
    variant: z.enum(["id", "mm", "demure"]).default("id"),
    /**
     * Evaluation protocol (src/train/protocol.ts): "loo" (leave-one-out: each
     * user's last item is the test target, the one before it validation;
     * HR/NDCG/MRR; early stopping on valid ndcg@10) or "user-split"
     * (ComiRec's: users split 8:1:1; a held-out user's first ⌊0.8 n⌋ items
     * are the input, the rest are all targets; recall/NDCG/NDCG_ComiRec/hit
     * at 20 and 50; early stopping on valid recall@50, the metric ComiRec
     * selects on; held-out users with fewer than 2 interactions are skipped,
     * with a note).
     */
    protocol: z.enum(["loo", "user-split"]).default("loo"),
    /** Seed of the user-split protocol's 8:1:1 draw (kept apart from `seed`, so seeds share one split). */
    splitSeed: z.number().int().min(0).max(0xffffffff).default(1),
    /**
     * Recommendation loss: "ce" (full softmax over every item), "sampled"
     * (sampled softmax with logQ correction) or "inbatch" (the batch's other
     * targets are the negatives, with logQ correction).
     */
    loss: z.enum(["ce", "sampled", "inbatch"]).default("ce"),
    /**
     * Negatives per batch for the sampled loss, drawn with replacement (so more
     * than the catalogue holds is allowed). null: 10 × batchSize, ComiRec's
     * setting. Set with another loss, it is an error: it would be ignored.
     */
    negatives: z.number().int().min(1).max(1000000).nullable().default(null),
    /**
     * How the sampled loss draws negatives: "uniform", or "log-uniform" by
     * popularity rank in the training sequences (TensorFlow's Zipfian
     * sampler, ComiRec's). null: log-uniform. Set with another loss, it is an
     * error: it would be ignored.
     */
    sampler: z.enum(["uniform", "log-uniform"]).nullable().default(null),
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    epochs: z.number().int().min(1).max(100000).default(200),
    patience: z.number().int().min(1).max(100000).default(10),
    batchSize: z.number().int().min(1).max(65536).default(256),
    /**
     * Length bucketing window, in batches (0 = off): training batches hold rows
     * of similar history length, so little work is spent on padding.
     */
    bucketBatches: z.number().int().min(0).max(1000000).default(64),
    evalBatchSize: z.number().int().min(1).max(65536).default(256),
    lr: z.number().positive().default(0.001),
    weightDecay: z.number().min(0).default(0),
    clipNorm: z.number().positive().nullable().default(null),
    maxLength: z.number().int().min(1).max(4096).default(50),
    dim: z.number().int().min(1).max(4096).default(64),
    excludeHistory: z.boolean().default(true),
    /** Side modalities for mm/demure: "all" or a list of names. */
    modalities: z.union([z.literal("all"), z.array(z.string())]).default("all"),
    useId: z.boolean().default(true),
    fusion: z.enum(["concat", "mean"]).default("concat"),
    noiseModalities: z.number().int().min(0).max(64).default(0),
    noiseDim: z.number().int().min(1).max(4096).default(64),
    kcore: z.number().int().min(1).max(1000000).nullable().default(null),
    /** Evaluate on validation every N epochs. */
    evalEvery: z.number().int().min(1).max(100000).default(1),
    ...backboneBlocks,
    demure: demure.default(demure.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    const entry = BACKBONES[c.model] as unknown as BackboneEntry;
    const problem = entry.check?.(c[c.model], c.dim) ?? null;
    if (problem !== null)
      ctx.addIssue({ code: "custom", path: [c.model, problem.key], message: problem.message });
    // A key only the sampled loss reads, set beside another loss, would be silently ignored.
    for (const key of ["negatives", "sampler"] as const) {
      if (c.loss !== "sampled" && c[key] !== null)
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `only loss "sampled" reads ${key} (loss is "${c.loss}"): drop ${key} or set loss: sampled`,
        });
    }
  });

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/** Validate a config object; errors name the field and what was expected. */
export function resolveConfig(input: unknown, source = "config"): TrainConfig {
  const r = TrainConfigSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const field = first.path.length > 0 ? first.path.join(".") : "(top level)";
    throw new UserError(`${field}: ${first.message}`, { file: source });
  }
  return r.data;
}

/**
 * A run's saved config.json, resolved. It is the resolved config of its day,
 * not user input: runs written before the unused-key rule carry `sampler:
 * "log-uniform"` (then the default) beside `loss: "ce"`, a key the run never
 * read, so keys its loss does not read are dropped instead of refused.
 */
export function resolveRunConfig(saved: Record<string, unknown>, source: string): TrainConfig {
  const { negatives: _n, sampler: _s, ...rest } = saved;
  return resolveConfig(saved["loss"] === "sampled" ? saved : rest, source);
}

/** Read a YAML or JSON config file (JSON is YAML). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(
      `cannot read config file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      { file: path },
    );
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    const pos = (e as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    throw new UserError(`not valid YAML/JSON: ${(e as Error).message.split("\n")[0]}`, {
      file: path,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
    });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UserError("expected a mapping of config keys at the top level", { file: path });
  }
  return value as Record<string, unknown>;
}
