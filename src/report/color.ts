/**
 * Whether to colour terminal output: FORCE_COLOR (non-empty, not "0" or "false") turns colour on,
 * NO_COLOR (non-empty, https://no-color.org) turns it off, else colour follows the terminal. Decided
 * once here and passed down, because ora and its symbols otherwise ask process.env on their own.
 */
export function wantsColor(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}
