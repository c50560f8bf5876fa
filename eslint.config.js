// Lint rules, including the layer boundaries of ARCHITECTURE.md:
//   core/      pure TypeScript: no React, DOM libraries, Electron, UI state, renderer or electron code
//   renderer/  may import core/ and the IPC contract electron/api.ts (types) only, never Electron
//   electron/  may not import the renderer
//   node/      Node-only helpers shared by electron/, cli/ and scripts/ (atomic writes): Node
//              built-ins only; core/ and renderer/ may not import it (they run in browsers too)
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const CORE_FORBIDDEN = {
  paths: [
    { name: 'react', message: 'core/ is pure TypeScript: no React (see ARCHITECTURE.md).' },
    { name: 'react-dom', message: 'core/ is pure TypeScript: no React (see ARCHITECTURE.md).' },
    { name: 'electron', message: 'core/ is pure TypeScript: no Electron (see ARCHITECTURE.md).' },
    { name: 'zustand', message: 'core/ holds no UI state: no zustand (see ARCHITECTURE.md).' },
  ],
  patterns: [
    { group: ['react/*', 'react-dom/*', 'electron/*', 'zustand/*', '@xyflow/*'], message: 'core/ is pure TypeScript (see ARCHITECTURE.md).' },
    { group: ['**/renderer', '**/renderer/**', '**/electron', '**/electron/**'], message: 'core/ must not import the renderer or electron folders.' },
    { group: ['**/node', '**/node/**'], message: 'core/ runs in browsers too: the Node-only node/ folder is for electron/, cli/ and scripts/.' },
  ],
};

const NODE_SHARED_FORBIDDEN = {
  paths: [{ name: 'electron', message: 'node/ is plain Node, shared with the CLI and scripts: no Electron.' }],
  patterns: [
    {
      group: ['**/core', '**/core/**', '**/renderer', '**/renderer/**', '**/electron', '**/electron/**', '**/cli', '**/cli/**', 'react', 'react-dom', 'zustand'],
      message: 'node/ holds Node-only helpers that depend on Node built-ins alone (see ARCHITECTURE.md).',
    },
  ],
};

export default tseslint.config(
  {
    ignores: ['dist/', 'dist-electron/', 'release/', 'node_modules/', 'test-results/', 'playwright-report/', 'data/', 'runs/', '.vite/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-imports': 'off',
    },
  },
  // Node-side code: scripts, CLI, tests, configs, the Electron main process.
  {
    files: ['scripts/**', 'cli/**', 'bin/**', 'node/**', 'test/**', '*.config.{js,ts,mjs}', 'electron/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', CORE_FORBIDDEN] },
  },
  {
    files: ['node/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', NODE_SHARED_FORBIDDEN] },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // This rule serves the React Compiler, which the project does not use; the canvas keeps
      // per-node caches in refs during render so React Flow sees stable node objects.
      'react-hooks/refs': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to Electron only through renderer/platform/.' }],
          patterns: [
            {
              // Everything in electron/ except the pure IPC contract.
              regex: '(^|/)electron/(?!api$|channels$)',
              message: 'The renderer may import only electron/api.ts (the IPC contract) from electron/.',
            },
            { group: ['**/node', '**/node/**'], message: 'node/ is Node-only (atomic writes for electron/, cli/ and scripts/); the renderer runs in a browser.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/engine/*.worker.ts'],
    languageOptions: { globals: { ...globals.worker } },
  },
  // The worker side (the worker and the session it runs) has no UI: no React, no stores, no canvas.
  {
    files: ['renderer/engine/*.worker.ts', 'renderer/engine/training-session.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to Electron only through renderer/platform/.' }],
          patterns: [
            { group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', 'zustand/*', '@xyflow/*'], message: 'The engine worker has no UI (see ARCHITECTURE.md).' },
            { group: ['**/node', '**/node/**', '**/electron/**'], message: 'The engine worker runs in a browser: core/, tfjs and comlink only.' },
          ],
        },
      ],
    },
  },
  // The command line: core/ and node/, never the app.
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer', '**/renderer/**', '**/electron', '**/electron/**'], message: 'cli/ uses core/ and node/ only (see ARCHITECTURE.md).' }] }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer', '**/renderer/**'], message: 'electron/ must not import the renderer.' }] }],
    },
  },
);
