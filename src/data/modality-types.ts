/**
 * The compact, item-indexed representations of item modalities. Every array is
 * indexed by item index: 0 is padding (always missing), real items are
 * 1..numItems. Missing values are masked explicitly (id 0, empty range, or
 * `present[i] = 0`), never silently zero-filled.
 */

/** Fields every modality has. */
export interface ModalityBase {
  /** Unique name, e.g. `class`, `textemb`, `actor`. */
  name: string;
  /** Where it came from, e.g. `ml-100k.item:class` or `ml-100k.kg:film.film.actor`. */
  source: string;
  /** Real items (1..numItems) with no value. */
  missingCount: number;
}

/**
 * One categorical value per item. `ids[i]` in 1..vocab, 0 = missing; an
 * embedding table needs `vocab + 1` rows. `tokens[id]` is the raw value
 * (`tokens[0]` = "[PAD]"). Bucketed floats also carry their bucket `edges`.
 */
export interface TokenModality extends ModalityBase {
  kind: "token";
  vocab: number;
  ids: Int32Array;
  tokens: string[];
  /** For a bucketed float column: ascending bucket boundaries (bucket b covers [edges[b-2], edges[b-1])). */
  edges?: Float64Array;
}

/**
 * A bag of categorical values per item, in CSR form: item i holds
 * `ids[offsets[i] .. offsets[i + 1])` (length numItems + 2 offsets); an empty
 * range is missing. Ids are 1..vocab, `tokens[id]` the raw value.
 */
export interface TokenSeqModality extends ModalityBase {
  kind: "token_seq";
  vocab: number;
  offsets: Int32Array;
  ids: Int32Array;
  tokens: string[];
  /** Items whose token list was cut to the per-item cap. */
  truncatedCount: number;
}

/**
 * A dense vector per item: item i is `values[i * dim .. (i + 1) * dim)`, valid
 * only where `present[i] === 1` (rows of missing items are zero and masked).
 */
export interface DenseModality extends ModalityBase {
  kind: "dense";
  dim: number;
  values: Float32Array;
  present: Uint8Array;
  /** For a normalised float column: the mean and standard deviation removed. */
  normalisation?: { mean: number; std: number };
}

/** Any modality. */
export type Modality = TokenModality | TokenSeqModality | DenseModality;

/** How a `float` item column becomes a modality. */
export type FloatMode = "bucket" | "normalised";

/** Which modalities to build and how (all optional). */
export interface ModalityOptions {
  /** Keep only these modality names (default: all). Unknown names are an error. */
  include?: readonly string[];
  /** Drop these modality names. Unknown names are an error. */
  exclude?: readonly string[];
  /** Cap on tokens per item for token_seq modalities (default 32; 0 = no cap). */
  maxTokensPerItem?: number;
  /** Default treatment of `float` columns (default "bucket"). */
  floatMode?: FloatMode;
  /** Per-column override of `floatMode`. */
  floatModes?: Readonly<Record<string, FloatMode>>;
  /** Number of quantile buckets for bucketed floats (default 10). */
  floatBuckets?: number;
  /**
   * KG relations to turn into modalities, by full id (`film.film.actor`) or
   * short name (`actor`). Default: automatic selection by coverage.
   */
  kgRelations?: readonly string[];
  /** Automatic selection: least fraction of linked items a relation must cover (default 0.2). */
  kgMinCoverage?: number;
  /** Automatic selection: most relations kept, by coverage (default 6). */
  kgMaxRelations?: number;
}
