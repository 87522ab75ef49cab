import { availableParallelism } from 'node:os'

/**
 * One jest run over every package and service; integration tests share the throwaway servers set up in globalSetup.
 * Tests under `test/interop/` need material outside the repository (../shared: the official OCA WSDLs, the
 * independent zeep station); they run with `pnpm interop` (jest.interop.config.js), never in `pnpm test`.
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2024' }, module: { type: 'es6' } },
    ],
  },
  testMatch: [
    '<rootDir>/{packages,services,tools,infra,bench}/*/test/**/*.test.ts',
    '<rootDir>/infra/test/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/test/interop/'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // At least two workers, also on two cores (jest's default there is one): the integration suites mostly wait on
  // Postgres, NATS and child processes, and a second worker fills those waits. On a 2-vCPU VM, 2026-12-08: the
  // whole run 605 -> 337 s, the shifted-clock run 296 s, every test passing.
  maxWorkers: Math.max(2, availableParallelism() - 1),
}
