import { escapeControl } from "../util/errors.js";

/**
 * How commands print: human text by default; with --json, the last line on
 * stdout is one JSON object and nothing else goes to stdout. Progress and
 * notes go to stderr either way.
 */
export interface Output {
  json: boolean;
  /** The command's result: a JSON line with --json, else `text(result)`. */
  result<T>(value: T, text: (v: T) => string): void;
  /** A note for people (stderr). */
  note(message: string): void;
}

export function makeOutput(json: boolean): Output {
  return {
    json,
    result(value, text) {
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
      else process.stdout.write(`${escapeControl(text(value))}\n`);
    },
    note(message) {
      process.stderr.write(`${escapeControl(message)}\n`);
    },
  };
}
