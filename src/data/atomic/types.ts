/**
 * The in-memory shape of one RecBole atomic file: a header of typed fields and
 * one column per field, stored column-wise.
 */

/** The four field types RecBole writes in atomic-file headers. */
export const ATOMIC_TYPES = ["token", "token_seq", "float", "float_seq"] as const;

/** One of {@link ATOMIC_TYPES}. */
export type AtomicType = (typeof ATOMIC_TYPES)[number];

/** One `name:type` field of a header. */
export interface FieldSpec {
  /** Field name, e.g. `item_id`. */
  name: string;
  /** Field type, e.g. `token`. */
  type: AtomicType;
  /** 1-based position of the field in the header (the column in error messages). */
  column: number;
}

/** A `token` column: one string per row, `""` when the field is empty (missing). */
export interface TokenColumn {
  name: string;
  type: "token";
  column: number;
  values: string[];
}

/** A `token_seq` column: the space-separated tokens of each row, `[]` when missing. */
export interface TokenSeqColumn {
  name: string;
  type: "token_seq";
  column: number;
  values: string[][];
}

/** A `float` column: one number per row, `NaN` when the field is empty (missing). */
export interface FloatColumn {
  name: string;
  type: "float";
  column: number;
  values: Float64Array;
}

/**
 * A `float_seq` column stored flat (CSR): row r holds
 * `values[offsets[r] .. offsets[r + 1])`; an empty field is a zero-length row.
 * `dim` is the common length of every non-empty row, or `null` when rows differ
 * in length (only allowed when the reader was told the column is ragged) or when
 * every row is empty.
 */
export interface FloatSeqColumn {
  name: string;
  type: "float_seq";
  column: number;
  dim: number | null;
  values: Float32Array;
  offsets: Int32Array;
}

/** Any column of an atomic file. */
export type AtomicColumn = TokenColumn | TokenSeqColumn | FloatColumn | FloatSeqColumn;

/** Maps a field type to the column type that holds it. */
export interface ColumnOfType {
  token: TokenColumn;
  token_seq: TokenSeqColumn;
  float: FloatColumn;
  float_seq: FloatSeqColumn;
}

/** A whole atomic file, column-wise. */
export interface AtomicTable {
  /** The path as the caller gave it (used in error messages). */
  file: string;
  /** The header fields, in file order. */
  fields: FieldSpec[];
  /** One column per field, in header order. */
  columns: AtomicColumn[];
  /** Number of data rows (blank lines are not rows). */
  rows: number;
  /** 1-based source line of each row, for error messages raised after reading. */
  lines: Int32Array;
}
