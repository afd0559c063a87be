import type { Command } from "commander";
import { importLog } from "../../import/import-log.js";
import { parseItemColumn } from "../../import/schema.js";
import type { Format } from "../../import/types.js";
import { UserError } from "../../util/errors.js";
import { makeOutput } from "../output.js";
import { nonNegativeInt } from "../parse.js";

interface ImportFlags {
  out: string;
  user: string;
  item: string;
  time?: string;
  rating?: string;
  name?: string;
  format?: string;
  table?: string;
  query?: string;
  delimiter?: string;
  header: boolean;
  quote?: string;
  columns?: string;
  itemCol: string[];
  seqSep?: string;
  dedup: string;
  kcore?: number;
  minRating?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `\t` and friends as typed in a shell without $'...'. */
function unescapeFlag(s: string): string {
  return s.replace(/\\t/g, "\t").replace(/\\\\/g, "\\");
}

export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "Turn a log (CSV, TSV, JSON lines, Parquet, SQLite or a DuckDB query) into RecBole atomic files",
    )
    .argument("[file]", "the log (optional with --query)")
    .requiredOption("--out <dir>", "folder to write NAME.inter (and NAME.item) into")
    .requiredOption("--user <col>", "column of user ids")
    .requiredOption("--item <col>", "column of item ids")
    .option("--time <col>", "column of timestamps (numbers or dates; written as timestamp:float)")
    .option("--rating <col>", "column of ratings (written as rating:float)")
    .option("--name <name>", "dataset name, the file prefix (default: the folder's name)")
    .option("--format <f>", "csv, tsv, jsonl, parquet or sqlite (default: from the extension)")
    .option("--table <t>", "the SQLite table that holds the log")
    .option(
      "--query <sql>",
      "a DuckDB query whose result is the log (e.g. SELECT * FROM read_csv(...))",
    )
    .option(
      "--delimiter <s>",
      "CSV/TSV field separator, up to 4 bytes, e.g. '::' (default , or tab; \\t for tab)",
    )
    .option(
      "--no-header",
      "CSV/TSV: the first line is data (columns are column0, column1, ... or --columns)",
    )
    .option("--quote <c>", 'CSV/TSV quote character (default ")')
    .option("--columns <names>", "CSV/TSV without a header: comma-separated column names")
    .option(
      "--item-col <name[:type]>",
      "an item column for NAME.item; type token, token_seq, float or float_seq (default: inferred; repeatable)",
      collect,
      [],
    )
    .option(
      "--seq-sep <s>",
      "separator inside token_seq / float_seq text values (default: whitespace)",
    )
    .option(
      "--dedup <mode>",
      "duplicate (user, item, timestamp) rows: none keeps all (RecBole's default), first, last",
      "none",
    )
    .option(
      "--kcore <k>",
      "iterated k-core on users and items (default 0: none, as RecBole)",
      nonNegativeInt("--kcore"),
    )
    .option("--min-rating <r>", "drop rows whose rating is below r (needs --rating)")
    .option("--json", "print one JSON object as the last stdout line")
    .action(async (file: string | undefined, f: ImportFlags) => {
      const out = makeOutput(f.json === true);
      if (f.dedup !== "none" && f.dedup !== "first" && f.dedup !== "last")
        throw new UserError(
          `--dedup: expected none, first or last, found ${JSON.stringify(f.dedup)}`,
        );
      let minRating: number | undefined;
      if (f.minRating !== undefined) {
        minRating = Number(f.minRating);
        if (f.minRating.trim() === "" || !Number.isFinite(minRating))
          throw new UserError(
            `--min-rating: expected a number, found ${JSON.stringify(f.minRating)}`,
          );
      }
      const r = await importLog({
        ...(file !== undefined ? { file } : {}),
        ...(f.format !== undefined ? { format: f.format as Format } : {}),
        ...(f.table !== undefined ? { table: f.table } : {}),
        ...(f.query !== undefined ? { query: f.query } : {}),
        ...(f.delimiter !== undefined ? { delimiter: unescapeFlag(f.delimiter) } : {}),
        ...(f.quote !== undefined ? { quote: f.quote } : {}),
        ...(f.columns !== undefined ? { columns: f.columns.split(",").map((c) => c.trim()) } : {}),
        header: f.header && f.columns === undefined,
        out: f.out,
        ...(f.name !== undefined ? { name: f.name } : {}),
        user: f.user,
        item: f.item,
        ...(f.time !== undefined ? { time: f.time } : {}),
        ...(f.rating !== undefined ? { rating: f.rating } : {}),
        itemColumns: f.itemCol.map(parseItemColumn),
        ...(f.seqSep !== undefined ? { seqSep: unescapeFlag(f.seqSep) } : {}),
        dedup: f.dedup,
        kcore: f.kcore ?? 0,
        ...(minRating !== undefined ? { minRating } : {}),
      });
      const fields = [...r.schema.inter, ...r.schema.item];
      out.note(
        `schema: ${fields.map((s) => `${s.field}:${s.type}${s.inferred ? " (inferred)" : ""} <- ${s.from}`).join(", ")}`,
      );
      if (r.schema.item.some((s) => s.inferred))
        out.note(
          `pin it with: ${r.schema.item.map((s) => `--item-col ${s.from}:${s.type}`).join(" ")}`,
        );
      for (const n of r.notes) out.note(`note: ${n}`);
      out.result(
        r,
        (v) =>
          `imported ${v.name}: ${v.interactions} interactions, ${v.users} users, ${v.items} items from ${v.rows_read} rows (${v.format}) into ${v.out}` +
          `; dropped ${v.dropped.min_rating} by rating, ${v.dropped.duplicates} duplicates, ${v.dropped.kcore} by k-core`,
      );
    });
}
