/**
 * COPY into the embedded database goes through a file in PGlite's in-memory filesystem (see
 * `pglite-backend.ts`). These helpers are apart from PGlite itself, so that the main thread, which
 * only talks to PGlite's thread, never loads PGlite (~50 ms before the thread could start).
 */

/** The one COPY file; PGlite is one connection, so there is never a second COPY at once. */
export const COPY_FILE = '/tmp/molimport-copy';

/** `COPY … FROM STDIN` → `COPY … FROM '<file>'`; undefined when `sql` has no `FROM STDIN`. */
export function copyFromFileSql(sql: string): string | undefined {
  const rewritten = sql.replace(/\bFROM\s+STDIN\b/i, `FROM '${COPY_FILE}'`);
  return rewritten === sql ? undefined : rewritten;
}

/** One buffer holding `chunks` in order (the only chunk itself when there is one). */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  let length = 0;
  for (const c of chunks) length += c.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
