/** Word-wrapping for terminal text; kept apart from the tables so log-only runs never load cli-table3. */

/** Word-wraps one line to `width`; continuation lines are indented; words longer than a line are cut. */
export function wrapText(text: string, width: number, indent = 2): string[] {
  if (!Number.isFinite(width) || [...text].length <= width) return [text];
  const pad = ' '.repeat(Math.min(indent, Math.max(0, width - 10)));
  const lines: string[] = [];
  let line = '';
  const push = (): void => {
    lines.push(line.trimEnd());
    line = pad;
  };
  for (const word of text.split(' ')) {
    let w = [...word];
    const sep = line.trim() === '' ? '' : ' ';
    if ([...line].length + sep.length + w.length <= width) {
      line += sep + word;
      continue;
    }
    if (line.trim() !== '') push();
    while ([...line].length + w.length > width) {
      const room = width - [...line].length;
      line += w.slice(0, room).join('');
      w = w.slice(room);
      push();
    }
    line += w.join('');
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}
