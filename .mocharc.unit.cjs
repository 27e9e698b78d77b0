// Unit tier: pure logic, no I/O. Workspace packages resolve to their TypeScript source.
module.exports = {
  spec: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/security/**/*.test.ts'],
  ignore: ['**/*.int.test.ts', '**/*.e2e.test.ts'],
  'node-option': ['conditions=source', 'import=tsx'],
  timeout: 5000,
  reporter: 'dot',
};
