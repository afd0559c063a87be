import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { UserError } from "../util/errors.js";

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UserError(`${flag}: cannot read the file (${why}); expected a PEM file`, { file });
  }
}

/**
 * The certificate chain and key for HTTPS, read and checked before the
 * server starts: both or neither, each readable, and a pair that fits.
 */
export function readTls(cert: string | undefined, key: string | undefined): TlsFiles | undefined {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined)
    throw new UserError(
      `--cert and --key go together: ${cert === undefined ? "--key" : "--cert"} was given without ${cert === undefined ? "--cert" : "--key"}`,
    );
  const files = { cert: readPem(cert, "--cert"), key: readPem(key, "--key") };
  try {
    createSecureContext(files);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new UserError(
      `--cert ${cert} and --key ${key} are not a PEM certificate and its private key (${why})`,
    );
  }
  return files;
}
