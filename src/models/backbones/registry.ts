import type { z } from "zod";
import type { Backbone, BackboneContext } from "./backbone.js";
import { BERT4REC_OPTIONS, Bert4rec } from "./bert4rec.js";
import { COMIREC_DR_OPTIONS, ComirecDr } from "./comirec-dr.js";
import { COMIREC_SA_OPTIONS, ComirecSa } from "./comirec-sa.js";
import { GRU4REC_OPTIONS, Gru4rec } from "./gru4rec.js";
import { MIND_OPTIONS, Mind } from "./mind.js";
import { SASREC_OPTIONS, Sasrec } from "./sasrec.js";
import { YOUTUBE_OPTIONS, Youtube } from "./youtube.js";

/**
 * Everything the rest of demure knows about a backbone. The train config
 * gets one block per entry (`sasrec: {...}`, `mind: {...}`), validated by
 * `options`; the trainer, Demure, evaluation, `recommend` and `serve` only
 * ever call `build`. Adding a backbone is one file beside this one and one
 * entry below (README.md of this folder).
 */
export interface BackboneEntry<S extends z.ZodObject = z.ZodObject> {
  /** One line for `--help` and the README: the model and where its defaults come from. */
  summary: string;
  /** The options block, every number ranged, defaults filled in. */
  options: S;
  /** A constraint between the options and the shared dims (a message, or null when fine). */
  check?: (options: z.output<S>, dim: number) => { key: string; message: string } | null;
  build(options: z.output<S>, ctx: BackboneContext): Backbone;
}

/** The constraint of attention backbones: the heads split dim evenly. */
function headsDivideDim(
  o: { heads: number },
  dim: number,
): { key: string; message: string } | null {
  return dim % o.heads === 0
    ? null
    : {
        key: "heads",
        message: `${o.heads} heads do not divide dim ${dim} (each head gets dim / heads features)`,
      };
}

/** Keeps each entry's option type tied to its own schema. */
function entry<S extends z.ZodObject>(e: BackboneEntry<S>): BackboneEntry<S> {
  return e;
}

export const BACKBONES = {
  sasrec: entry({
    summary: "SASRec: causal self-attention (RecBole's defaults: 2 layers, 2 heads, inner 256)",
    options: SASREC_OPTIONS,
    check: headsDivideDim,
    build: (o, c) =>
      new Sasrec(
        { ...o, layerNormEps: 1e-12, dim: c.dim, maxLength: c.maxLength },
        c.rng,
        c.dropoutRng,
      ),
  }),
  gru4rec: entry({
    summary: "GRU4Rec: a GRU over the history (RecBole's defaults: hidden 128, dropout 0.3)",
    options: GRU4REC_OPTIONS,
    build: (o, c) => new Gru4rec({ ...o, dim: c.dim }, c.rng, c.dropoutRng),
  }),
  youtube: entry({
    summary: "YouTube DNN: mean of the history, one linear layer (ComiRec's baseline)",
    options: YOUTUBE_OPTIONS,
    build: (_o, c) => new Youtube({ dim: c.dim }, c.rng),
  }),
  mind: entry({
    summary:
      "MIND: dynamic routing, one shared map, ReLU layer (ComiRec's defaults: 4 interests, 3 iterations)",
    options: MIND_OPTIONS,
    build: (o, c) => new Mind({ ...o, dim: c.dim }, c.rng, c.dropoutRng),
  }),
  "comirec-dr": entry({
    summary:
      "ComiRec-DR: dynamic routing, one map per interest (ComiRec's defaults: 4 interests, 3 iterations)",
    options: COMIREC_DR_OPTIONS,
    build: (o, c) => new ComirecDr({ ...o, dim: c.dim }, c.rng),
  }),
  "comirec-sa": entry({
    summary:
      "ComiRec-SA: K self-attentive interests, ranked by the best (reference code: K 4, hidden 4·d)",
    options: COMIREC_SA_OPTIONS,
    build: (o, c) => new ComirecSa({ ...o, dim: c.dim, maxLength: c.maxLength }, c.rng),
  }),
  bert4rec: entry({
    summary:
      "BERT4Rec: bidirectional self-attention, cloze training (RecBole's defaults: 2 layers, 2 heads, inner 256, dropout 0.2, mask ratio 0.2)",
    options: BERT4REC_OPTIONS,
    check: headsDivideDim,
    build: (o, c) =>
      new Bert4rec(
        { ...o, layerNormEps: 1e-12, dim: c.dim, maxLength: c.maxLength },
        c.rng,
        c.dropoutRng,
      ),
  }),
};

export type BackboneName = keyof typeof BACKBONES;

/** The registered backbones, in registry order (the first is the default). */
export const BACKBONE_NAMES = Object.keys(BACKBONES) as [BackboneName, ...BackboneName[]];

/** The resolved options block of every backbone, as the train config holds them. */
export type BackboneOptions = { [K in BackboneName]: z.output<(typeof BACKBONES)[K]["options"]> };

/** The named backbone, built from its options block. */
export function buildBackbone<K extends BackboneName>(
  name: K,
  options: BackboneOptions[K],
  ctx: BackboneContext,
): Backbone {
  const e = BACKBONES[name] as unknown as BackboneEntry<z.ZodObject>;
  return e.build(options, ctx);
}
