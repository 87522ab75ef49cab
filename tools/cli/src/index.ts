export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCli } from './cli.ts'
export { commands } from './commands/index.ts'
export { DatabaseAdminConfig, DEFAULT_DATABASE_ADMIN_URL, loadDatabaseAdminConfig } from './config.ts'
export type { Command, CommandContext, Env, Output } from './context.ts'
