import { closeSync, openSync, readSync } from "node:fs";
import type { Format, ReadOptions } from "./types.js";

/**
 * When DuckDB cannot make sense of a delimited file, find the first row that
 * breaks it: a quote left open, or a row with another number of fields than
 * the first. Returns the message, or null when nothing stands out.
 */
export async function diagnoseCsv(o: ReadOptions, format: Format): Promise<string | null> {
  const delim = o.delimiter ?? (format === "tsv" ? "\t" : ",");
  const quote = o.quote ?? '"';
  let fields = 1;
  let expected = -1;
  let line = 1;
  let recordLine = 1;
  let inQuote = false;
  let atFieldStart = true;
  let blank = true;
  const endRecord = (): string | null => {
    if (blank && fields === 1) return null;
    if (expected < 0) expected = fields;
    else if (fields !== expected) {
      const row = recordLine - (o.header === false ? 0 : 1);
      return `row ${row} (line ${recordLine}) has ${fields} fields, expected ${expected} as on the first line (ragged row)`;
    }
    return null;
  };
  {
    const text = head(o.file ?? "");
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (inQuote) {
        if (quote !== "" && text.startsWith(quote, i)) {
          if (text.startsWith(quote, i + quote.length)) i += quote.length * 2 - 1;
          else {
            inQuote = false;
            i += quote.length - 1;
          }
        } else if (ch === "\n") line++;
        continue;
      }
      if (quote !== "" && atFieldStart && text.startsWith(quote, i)) {
        inQuote = true;
        blank = false;
        i += quote.length - 1;
        continue;
      }
      if (text.startsWith(delim, i)) {
        fields++;
        blank = false;
        atFieldStart = true;
        i += delim.length - 1;
        continue;
      }
      if (ch === "\n") {
        const bad = endRecord();
        if (bad) return bad;
        line++;
        recordLine = line;
        fields = 1;
        blank = true;
        atFieldStart = true;
        continue;
      }
      if (ch === quote && quote !== "")
        return `line ${line}: a quote (${quote}) inside an unquoted field (bad quoting)`;
      if (ch !== "\r") blank = false;
      atFieldStart = false;
    }
  }
  if (inQuote) return `line ${recordLine}: a quoted field is never closed (bad quoting)`;
  return endRecord();
}

/** The file's first 64 MiB as text: DuckDB's sniffer fails within its sample, well inside that. */
function head(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(64 * 1024 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
