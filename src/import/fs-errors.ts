/** File-system errors in words, for messages that name the file. */
import { errorMessage } from '../errors.js';

/** An errno as words a user acts on. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EIO':
      return 'input/output error reading the device';
    default:
      return errorMessage(err);
  }
}
