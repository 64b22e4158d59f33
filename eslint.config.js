// @ts-check
// Lint with type information (typescript-eslint) and the pipeline's direction (eslint-plugin-boundaries).
// The stage order is written down in docs/architecture.md ("Import direction"); keep the two in step.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The stages in import order: a stage may import itself and the stages before it, never one after it.
 * `config` (the schema of `.github/mesh-review.yml`) names settings of every stage, so every stage may
 * read it; it names findings' severities, its only import from a later stage.
 */
const STAGES = ['config', 'sources', 'targets', 'manifests', 'render', 'inventory', 'policy', 'meshes', 'findings'];
/** Both take findings' output and neither needs the other: the edges wire them together. */
const AFTER_FINDINGS = ['pipeline', 'report'];

/** Patterns match paths relative to the repository root; the first element that matches a file classifies it. */
const elements = [
  ...[...STAGES, ...AFTER_FINDINGS].map((type) => ({ type, pattern: `src/${type}/**`, partialMatch: false })),
  // Everything else under src/ (app.ts, cli.ts, prCommand.ts, github/, bench/, and folders yet to come) is an edge.
  { type: 'edge', pattern: 'src/**', partialMatch: false },
];
/** Single files with a place of their own. */
const files = [
  // Reading the config file out of a snapshot belongs at the edge; the schema beside it is shared.
  { category: 'config-io', pattern: 'src/config/loadConfig.ts' },
  // The CLI's entry point: nothing imports it (prCommand.ts once did, a cycle).
  { category: 'cli-entry', pattern: 'src/cli.ts' },
];

const stage = (type) => ({ to: { element: { type } } });
const stagePolicies = STAGES.map((type, i) => ({
  from: { element: { type } },
  allow: STAGES.slice(0, i + 1).map(stage),
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A parameter kept for an interface's shape but not read is named `_x` (as TypeScript's own convention).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Off: `async` without `await` is how a Promise-returning interface method (Snapshot.readFile, a test
      // double's sleep) turns a synchronous throw into a rejection, which its callers rely on.
      '@typescript-eslint/require-await': 'off',
      // Static factories (StringSet.istioPattern, ...) never read `this` and are passed as mappers on purpose;
      // instance methods passed unbound are still reported.
      '@typescript-eslint/unbound-method': ['error', { ignoreStatic: true }],
      // Off: the code matches terminal control characters on purpose (report/format.ts `visible` escapes
      // them, the text renderer's tests strip ANSI colours); an accidental one is what this rule is for.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'vitest.setup.ts'],
    rules: {
      // Off in tests only: they parse JSON (CLI output, webhook payloads, recorded API bodies, YAML) and assert
      // on its shape, where a wrong shape fails the assertion; typing every such value would repeat the schemas.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Tool configs outside tsconfig.json (this file is plain JavaScript): linted without type information.
    files: ['eslint.config.js', 'vitest.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'boundaries/files': files,
      // Dynamic `import()` counts: loading a later stage lazily is still depending on it.
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
      // Imports name `.js`; the TypeScript resolver maps them to the `.ts` sources.
      'import/resolver': { typescript: { project: './tsconfig.json' } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          // Files of one stage import each other freely, but the edges are one element: check inside it too.
          checkInternals: true,
          policies: [
            ...stagePolicies,
            // config/schema.ts takes Severity from the finding vocabulary (see STAGES).
            { from: { element: { type: 'config' } }, allow: [{ to: { file: { path: 'src/findings/finding.ts' } } }] },
            ...AFTER_FINDINGS.map((type) => ({ from: { element: { type } }, allow: [...STAGES, type].map(stage) })),
            { from: { element: { type: 'edge' } }, allow: [...STAGES, ...AFTER_FINDINGS, 'edge'].map(stage) },
            { from: { file: { categories: 'config-io' } }, allow: [stage('sources')] },
            // Later policies win: these two hold whatever the ones above allow.
            { from: { element: { types: { anyOf: [...STAGES, ...AFTER_FINDINGS] } } }, disallow: { to: { file: { categories: 'config-io' } } } },
            { disallow: { to: { file: { categories: 'cli-entry' } } } },
          ],
        },
      ],
      // A file under src/ that resolves to nothing, or to no element, would slip past the rule above.
      'boundaries/no-unknown-dependencies': 'error',
      'boundaries/no-unknown-files': 'error',
    },
  },
);
