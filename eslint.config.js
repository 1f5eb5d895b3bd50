// One lint setup for every runtime; the tsconfigs hold the runtime boundaries, these rules hold the layers.
import tseslint from 'typescript-eslint'

const message = 'The protocol and engine are platform-neutral: inject a platform interface instead.'
const nodeModules = [
  'fs',
  'fs/promises',
  'net',
  'tls',
  'crypto',
  'path',
  'os',
  'dgram',
  'zlib',
  'stream',
  'better-sqlite3',
  'ws',
]

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'e2e/artifacts/**', 'dev-dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/protocol/**', 'src/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeModules.map((name) => ({ name, message })),
          patterns: [{ group: ['node:*'], message }],
        },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'Buffer', 'process'],
    },
  },
)
