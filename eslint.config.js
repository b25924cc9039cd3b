// Lint for the TypeScript sources (typescript-eslint's recommended rules),
// run by scripts/test.sh. Type checking itself is tsc's (strict, tsconfig.base.json).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/cnn-worker/wasm/**', 'target/**'] },
  {
    files: ['packages/*/src/**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // A leading underscore marks a deliberately unused name.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // The dataset combinators' generators and the trainer's callbacks close over `this` by name.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self', 'base', 'trainer', 'model'] }],
      // `interface A extends B {}` names a TF.js type that adds nothing yet.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // A variable a closure reads before its single assignment stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
);
