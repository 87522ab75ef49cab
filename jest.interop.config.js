import base from './jest.config.js'

/** `pnpm interop`: the tests against material outside the repository (../shared), and only those. */
export default {
  ...base,
  testMatch: [
    '<rootDir>/{packages,services,tools}/*/test/interop/**/*.test.ts',
    '<rootDir>/test/interop/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/'],
}
