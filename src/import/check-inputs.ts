/**
 * Every input is checked before the database is opened, so a directory or an unreadable file among
 * good files fails the run before anything is written (exit 1, naming the path), instead of after
 * the good files were imported, or with a raw `EISDIR` from whichever step read it first.
 */
import { open, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { errorMessage, InputError } from '../errors.js';
import { isFileUrl, isRemote } from '../sources/remote-input.js';

/** Returns all inputs' size in bytes (null when one is stdin or not a regular file), for the overall progress. */
export async function checkInputsReadable(files: readonly string[]): Promise<number | null> {
  let bytes: number | null = 0;
  for (const given of files) {
    // URLs are checked when they are opened (with retries); their size comes from the server.
    if (given === '-' || isRemote(given)) {
      bytes = null;
      continue;
    }
    const file = isFileUrl(given) ? fileURLToPath(given) : given;
    let isFile: boolean;
    try {
      const info = await stat(file);
      if (info.isDirectory()) {
        throw new InputError(
          `${file}: is a directory, not a file; name the files in it (e.g. '${file}/*.sdf.gz', quoted)`,
          file,
          undefined,
          { code: 'MOLIMPORT_INPUT_DIRECTORY' },
        );
      }
      isFile = info.isFile();
      if (bytes !== null) bytes = isFile ? bytes + info.size : null;
    } catch (err) {
      throw err instanceof InputError ? err : unreadable(file, err);
    }
    // Open and close only regular files: opening a named pipe to test it would block or steal input.
    if (!isFile) continue;
    try {
      await (await open(file, 'r')).close();
    } catch (err) {
      throw unreadable(file, err);
    }
  }
  return bytes;
}

function unreadable(file: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new InputError(
      `${file}: permission denied: cannot open it for reading (check its mode and owner, and that its directories can be entered)`,
      file,
      undefined,
      { cause: err, code: 'MOLIMPORT_INPUT_UNREADABLE' },
    );
  }
  const why = code === 'ENOENT' ? 'no such file' : errorMessage(err);
  return new InputError(`cannot read ${file}: ${why}`, file, undefined, { cause: err });
}
