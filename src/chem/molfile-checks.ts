/**
 * Checks on the molfile text and on a row's identifiers that need no toolkit: stereo flags on a
 * structure whose coordinates are all zero (RDKit cannot place the wedges, so the stereo is
 * silently lost), and stereo present in a row's InChI but absent from its SMILES.
 */

/**
 * Whether the molfile has two or more atoms, every coordinate zero, and stereo marks that need
 * coordinates to mean anything: wedge/hash bonds, V3000 `CFG=` on bonds or atoms, a V2000 atom
 * parity, or the chiral flag.
 */
export function stereoOnZeroCoordinates(molfile: string): boolean {
  // Nearly every molfile has a non-zero coordinate on its first atom: answer from the first five
  // lines then, without splitting the whole text (it ran once per record, 1 % of the CPU).
  const head = leadingLines(molfile, 5);
  if (head.length === 5 && !(head[3] ?? '').includes('V3000') && Number(head[3]?.slice(0, 3)) >= 1) {
    const atom = head[4] ?? '';
    if ([atom.slice(0, 10), atom.slice(10, 20), atom.slice(20, 30)].some((f) => Number(f) !== 0))
      return false;
  }
  const lines = molfile.split('\n');
  const counts = lines[3] ?? '';
  if (counts.includes('V3000')) return v3000(lines);
  const atoms = Number(counts.slice(0, 3));
  const bonds = Number(counts.slice(3, 6));
  if (!Number.isInteger(atoms) || !Number.isInteger(bonds) || atoms < 2) return false;
  let stereo = counts.slice(12, 15).trim() === '1';
  for (let i = 4; i < 4 + atoms; i++) {
    const line = lines[i] ?? '';
    for (const [from, to] of [
      [0, 10],
      [10, 20],
      [20, 30],
    ] as const) {
      const value = Number(line.slice(from, to));
      if (!Number.isFinite(value) || value !== 0) return false;
    }
    if (/^[123]$/.test(line.slice(39, 42).trim())) stereo = true;
  }
  for (let i = 4 + atoms; i < 4 + atoms + bonds; i++) {
    if (/^[146]$/.test((lines[i] ?? '').slice(9, 12).trim())) stereo = true;
  }
  return stereo;
}

/** The first `n` lines (fewer when the text has fewer). */
function leadingLines(text: string, n: number): string[] {
  const lines: string[] = [];
  let start = 0;
  while (lines.length < n) {
    const end = text.indexOf('\n', start);
    lines.push(text.slice(start, end < 0 ? undefined : end));
    if (end < 0) break;
    start = end + 1;
  }
  return lines;
}

function v3000(lines: string[]): boolean {
  let section = '';
  let atoms = 0;
  let stereo = false;
  for (const line of lines) {
    if (!line.startsWith('M  V30 ')) continue;
    const body = line.slice(7).trim();
    if (body.startsWith('BEGIN ')) section = body.slice(6);
    else if (body.startsWith('END ')) section = '';
    else if (body.startsWith('COUNTS ')) stereo ||= body.split(/\s+/)[5] === '1';
    else if (section === 'ATOM') {
      const fields = body.split(/\s+/);
      atoms += 1;
      if (fields.slice(2, 5).some((f) => Number(f) !== 0)) return false;
      if (/\bCFG=[123]\b/.test(body)) stereo = true;
    } else if (section === 'BOND' && /\bCFG=[123]\b/.test(body)) stereo = true;
  }
  return atoms >= 2 && stereo;
}

/**
 * What stereo the InChI has that the SMILES lacks: `tetrahedral` (InChI `/t` layer with + or -,
 * SMILES without `@`) and `double-bond` (InChI `/b` layer, SMILES without `/` or `\`).
 */
export function stereoLost(smiles: string, inchi: string): string[] {
  const lost: string[] = [];
  const layers = inchi.split('/');
  const layer = (prefix: string): string | undefined => layers.find((l) => l.startsWith(prefix));
  if (/[+-]/.test(layer('t') ?? '') && !smiles.includes('@')) lost.push('tetrahedral');
  if (layer('b') !== undefined && !/[/\\]/.test(smiles)) lost.push('double-bond');
  return lost;
}
