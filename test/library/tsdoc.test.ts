/**
 * Every export of the public API (src/index.ts) carries TSDoc: what it is, its defaults and limits,
 * the errors it throws. Read with the TypeScript compiler, as an editor shows it to a user.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

function exportsWithoutDoc(): { names: string[]; total: number } {
  const program = ts.createProgram([INDEX], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(INDEX);
  const module = source && checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`cannot read ${INDEX}`);
  const exported = checker.getExportsOfModule(module);
  const names: string[] = [];
  for (const symbol of exported) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const documented =
      target.getDocumentationComment(checker).length > 0 ||
      (target.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
    if (!documented) names.push(symbol.name);
  }
  return { names, total: exported.length };
}

describe('public API documentation', () => {
  it('has TSDoc on every export of src/index.ts', { timeout: 120_000 }, () => {
    const { names, total } = exportsWithoutDoc();
    expect(total).toBeGreaterThan(100);
    expect(names).toEqual([]);
  });
});
