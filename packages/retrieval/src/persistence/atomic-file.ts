import { createHash } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { IndexFormatError } from '@sieve/core';

/**
 * Writes `{ format, version, checksum, payload }` as JSON atomically: to a temporary file, fsync,
 * then rename over the target. A crash leaves either the old file or the new one, never half.
 */
export async function writeChecked(
  path: string,
  format: string,
  version: number,
  payload: unknown,
): Promise<void> {
  const body = JSON.stringify(payload);
  const checksum = createHash('sha256').update(body).digest('hex');
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(
      `{"format":${JSON.stringify(format)},"version":${version},"checksum":"${checksum}","payload":${body}}`,
    );
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
}

/**
 * Reads a file written by {@link writeChecked}; any problem (missing, truncated, foreign format,
 * newer version, checksum mismatch) is an {@link IndexFormatError} and nothing is returned.
 */
export async function readChecked(
  path: string,
  format: string,
  version: number,
  component: string,
): Promise<unknown> {
  const fail = (message: string, cause?: unknown): never => {
    throw new IndexFormatError({ component, path, message, cause });
  };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return fail(`cannot read ${path}: ${(error as Error).message}`, error);
  }
  let parsed: { format?: unknown; version?: unknown; checksum?: unknown; payload?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    return fail(
      `${path} is not a Sieve ${format} file (not JSON, or truncated); rebuild and save the index again`,
      error,
    );
  }
  if (parsed.format !== format)
    fail(`${path} is a ${String(parsed.format ?? 'foreign')} file, not a Sieve ${format} file`);
  if (parsed.version !== version)
    fail(
      `${path} has ${format} format version ${String(parsed.version)}; this version of Sieve reads version ${version}`,
    );
  // The checksum covers the payload exactly as written: re-serializing a parsed payload gives the same text.
  const checksum = createHash('sha256').update(JSON.stringify(parsed.payload)).digest('hex');
  if (checksum !== parsed.checksum)
    fail(`${path} is corrupt (checksum mismatch); rebuild and save the index again`);
  return parsed.payload;
}
