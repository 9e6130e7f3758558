// Lint: TypeScript's recommended rules everywhere, and the determinism fence around workflows/.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '**/*.js', '!eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it may not touch the outside world. Types from elsewhere are fine.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflows/ must not use Node built-ins (it runs in the deterministic sandbox).' },
            { group: ['@tensorflow/*'], message: 'workflows/ must not import TF.js: training belongs in activities.' },
            { group: ['ajv', 'ajv/*', 'yaml'], message: 'workflows/ receives a compiled Plan; parsing and validation happen in compiler/.' },
            { group: ['@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: 'workflows/ may only use @temporalio/workflow and @temporalio/common.' },
            { group: ['../activities/*', '../nlp/*', '../store/*', '../worker/*', '../cli/*', '../serve/*', '../system/*'], allowTypeImports: true, message: 'workflows/ may import only types from runtime code.' },
          ],
          paths: ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'worker_threads'].map((name) => ({
            name,
            message: 'workflows/ must not use Node built-ins.',
          })),
        },
      ],
    },
  },
);
