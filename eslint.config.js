import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The layer rules of DESIGN.md, checked on every import of src/ (static, `export ... from` and
 * dynamic `import()`), so a wrong arrow fails `npm run lint` and with it `npm test`.
 */
const DATABASE_PACKAGES = ['pg', 'pg-copy-streams', '@electric-sql/pglite']; // only src/sink/
const TERMINAL_PACKAGES = ['ora', 'cli-progress', 'cli-table3']; // only src/report/
/** What each folder may not import, beyond those packages: the folders of src/ it must not depend on. */
const FORBIDDEN_FOLDERS = {
  engine: ['sink', 'import', 'cli', 'report', 'fleet'],
  parse: ['sink', 'import', 'cli', 'report', 'fleet', 'engine'],
  sources: ['sink', 'import', 'cli', 'report', 'fleet', 'engine'],
};

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const packagesRegex = (names) => `^(${names.map(escape).join('|')})(/|$)`;
// `../sink/index.js`, `../../sink`, and the root index, which re-exports every layer.
const foldersRegex = (folders) => `^(\\.\\./)+(${folders.join('|')}|index(\\.js)?$)(/|$)`;

function layerRules(where, packages, folders = []) {
  const regexes = [packagesRegex(packages)];
  if (folders.length > 0) regexes.push(foldersRegex(folders));
  const message = `layer rule (DESIGN.md): ${where} imports none of ${[...folders.map((f) => `src/${f}/`), ...packages].join(', ')}`;
  return {
    files: [`${where}**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: regexes.map((regex) => ({ regex, message })) }],
      // esquery regexes cannot hold a "/": it is written \x2F.
      'no-restricted-syntax': [
        'error',
        ...regexes.map((regex) => ({
          selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`,
          message: `import() ${message}`,
        })),
      ],
    },
  };
}

const layers = [
  layerRules('src/', [...DATABASE_PACKAGES, ...TERMINAL_PACKAGES]),
  layerRules('src/sink/', TERMINAL_PACKAGES),
  layerRules('src/report/', DATABASE_PACKAGES),
  ...Object.entries(FORBIDDEN_FOLDERS).map(([folder, folders]) =>
    layerRules(`src/${folder}/`, [...DATABASE_PACKAGES, ...TERMINAL_PACKAGES], folders),
  ),
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.doc-examples/**',
      '.molimport/**',
      'bench/out/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  // Type-checked rules over every TypeScript file the project's tsconfig.json covers: src/, test/,
  // bench/ and examples/. Tests included: a floating `expect(...).rejects` is a test that cannot fail.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // Later blocks replace a rule's options for their files: each folder's block lists all its limits.
  ...layers,
  // Plain JavaScript (bin/, scripts/, bench/*.mjs, the worker fixtures) is outside tsconfig.json and
  // carries no types: type-aware rules would only see `any` there.
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
