/** The shapes shared by the import layer: cells, options, sources. */

/** One value as a reader hands it over: DuckDB and SQLite values mapped to plain JS. */
export type Cell = null | string | number | bigint | boolean | Date | Cell[];

/** The input formats `demure import` reads. */
export const FORMATS = ["csv", "tsv", "jsonl", "parquet", "sqlite"] as const;
export type Format = (typeof FORMATS)[number];

/** An atomic-file type an item column can be written as. */
export type ItemType = "token" | "token_seq" | "float" | "float_seq";
export const ITEM_TYPES: readonly ItemType[] = ["token", "token_seq", "float", "float_seq"];

/** `--item-col NAME[:type]`: a type of `undefined` is inferred from the values. */
export interface ItemColumnSpec {
  name: string;
  type?: ItemType;
}

/** How to read the input (everything before the rows become interactions). */
export interface ReadOptions {
  /** The path as the user gave it (named in messages); undefined with `query` alone. */
  file?: string;
  format?: Format;
  /** SQLite table. */
  table?: string;
  /** A DuckDB query whose result is the log. */
  query?: string;
  delimiter?: string;
  header?: boolean;
  quote?: string;
  /** Column names for a file without a header. */
  columns?: string[];
  /** Columns DuckDB must read as text (ids keep leading zeros). */
  textColumns?: string[];
}

/** Everything `importLog` needs. */
export interface ImportOptions extends ReadOptions {
  out: string;
  name?: string;
  user: string;
  item: string;
  time?: string;
  rating?: string;
  itemColumns: ItemColumnSpec[];
  seqSep?: string;
  dedup: "none" | "first" | "last";
  kcore: number;
  minRating?: number;
}

/** An opened input: its column names and its rows in chunks, in file order. */
export interface RowSource {
  /** What messages call the input: the file path, or `--query`. */
  label: string;
  format: Format | "query";
  columns: string[];
  chunks(): AsyncIterable<Cell[][]>;
  close(): void;
}
