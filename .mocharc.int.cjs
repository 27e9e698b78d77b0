// Integration tier: real NATS/JetStream, Redis and PostgreSQL (see libs/testing).
module.exports = {
  spec: ['libs/*/src/**/*.int.test.ts', 'services/*/src/**/*.int.test.ts', 'infra/**/*.int.test.ts'],
  'node-option': ['conditions=source', 'import=tsx'],
  timeout: 60000,
  reporter: 'spec',
  exit: true,
};
