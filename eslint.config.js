import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Architecture invariant: src/core is DOM-free and pipeline-ordered. Nothing in core imports the shells.
const coreBoundary = {
  files: ['src/core/**/*.ts', 'src/core/**/*.tsx'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['react', 'react-dom', 'zustand', '@xyflow/*', 'd3*'],
            message: 'src/core is DOM-free: UI libraries belong in src/app.',
          },
          {
            group: ['**/app/**', '**/worker/**', '**/cli/**'],
            message: 'src/core never imports the shells (app, worker, cli).',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'python', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  coreBoundary,
);
