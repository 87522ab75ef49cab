/*
 * The house rules of docs/architecture.md, checked by dependency-cruiser (`pnpm check:imports`, in CI).
 * Paths are resolved files: workspace packages resolve through their symlinks to `packages/<name>/...`.
 */

/** What a domain folder may use besides its own files: the dependency-free contracts and pure libraries. */
const DOMAIN_MAY_USE = '^packages/(errors|events|ocpp)/'
/** Infrastructure libraries a domain never touches: I/O belongs to data-access and entry points. */
const INFRASTRUCTURE_LIBS =
  'node_modules/(kysely|pg|pg-copy-streams|@nats-io|fastify|@fastify|pino|prom-client|@opentelemetry|soap|basic-ftp|ftp-srv|@aws-sdk)/'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'services-import-services',
      comment:
        'Services never import each other (they meet on JetStream subjects); shared contracts live in packages/.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'packages-import-services-or-tools',
      comment: 'Imports point down: a package is used by services and tools, never the other way round.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^(services|tools)/' },
    },
    {
      name: 'tools-use-admin-exports-only',
      comment: 'Tools (the chargebus CLI) may use packages and one admin export per service, nothing deeper.',
      severity: 'error',
      from: { path: '^tools/' },
      to: { path: '^services/', pathNot: '^services/[^/]+/src/admin\\.ts$' },
    },
    {
      name: 'domain-imports-infrastructure',
      comment:
        'domain/ is pure functions over plain data: errors, the event catalog and the OCPP contracts, never db, bus, platform, data-access or entry points.',
      severity: 'error',
      from: { path: '/domain/' },
      to: {
        pathNot: [DOMAIN_MAY_USE, '/domain/', 'node_modules/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'domain-imports-infrastructure-libraries',
      comment:
        'The same rule for npm packages: no database, bus, HTTP, logging or telemetry library in domain/.',
      severity: 'error',
      from: { path: '/domain/' },
      to: { path: INFRASTRUCTURE_LIBS },
    },
    {
      name: 'events-is-a-leaf',
      comment: 'The event catalog imports nothing of ours but errors.',
      severity: 'error',
      from: { path: '^packages/events/src/' },
      to: { path: '^(packages|services|tools)/', pathNot: '^packages/(events|errors)/' },
    },
    {
      name: 'ocpp-is-a-leaf',
      comment: "The OCPP contracts import nothing of ours but errors (and the event catalog's types).",
      severity: 'error',
      from: { path: '^packages/ocpp/src/' },
      to: { path: '^(packages|services|tools)/', pathNot: '^packages/(ocpp|errors|events)/' },
    },
    {
      name: 'ocpp-uses-only-event-types',
      comment: 'ocpp may use the event catalog for types only.',
      severity: 'error',
      from: { path: '^packages/ocpp/src/' },
      to: { path: '^packages/events/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'errors-has-no-dependencies',
      comment: 'errors is the one package domain/, events and ocpp may import: it depends on nothing.',
      severity: 'error',
      from: { path: '^packages/errors/src/' },
      to: { pathNot: ['^packages/errors/', '^node:'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'src-imports-tests',
      comment: 'Production code never imports test code.',
      severity: 'error',
      from: { path: '^(packages|services|tools)/[^/]+/src/' },
      to: { path: '(^|/)test/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'undeclared-dependency',
      comment:
        "A workspace's source may only use npm packages its own package.json declares (jest and pnpm's hoisting hide the gap until production).",
      severity: 'error',
      from: { path: '^(packages|services|tools)/[^/]+/src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    // swc reads TypeScript (type-only imports included) without the TypeScript JS API, which TS 7 lacks.
    parser: 'swc',
    tsPreCompilationDeps: false,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist-types|cdk\\.out|coverage)/' },
    moduleSystems: ['es6'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
