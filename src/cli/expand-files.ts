/**
 * Expands the file arguments: globs (quoted, so cron and Windows shells work too), `-`, plain paths.
 * A path that exists as written is taken literally (`data[1].sdf` is that file, not `data1.sdf`);
 * an absolute glob gives absolute paths, a relative one paths relative to the working directory.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isDynamicPattern, glob } from 'tinyglobby';
import { UsageError } from '../errors.js';

export async function expandFiles(args: string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    // A URL is never a glob (`?` starts its query); a path that exists as written is taken literally.
    if (
      arg === '-' ||
      /^(?:https?|file):\/\//i.test(arg) ||
      !isDynamicPattern(arg) ||
      existsSync(path.resolve(cwd, arg))
    ) {
      out.push(arg);
      continue;
    }
    const matches = (
      await glob(arg, { cwd, absolute: path.isAbsolute(arg), onlyFiles: true, expandDirectories: false })
    ).sort();
    if (matches.length === 0) throw new UsageError(`no file matches '${arg}'`);
    out.push(...matches);
  }
  if (out.filter((f) => f === '-').length > 1)
    throw new UsageError('standard input (-) can be read only once');
  return out;
}
