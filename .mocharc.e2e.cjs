// End-to-end tier: the built services as separate processes, driven from outside.
module.exports = {
  spec: ['test/e2e/**/*.e2e.test.ts'],
  'node-option': ['conditions=source', 'import=tsx'],
  timeout: 120000,
  reporter: 'spec',
  exit: true,
};
