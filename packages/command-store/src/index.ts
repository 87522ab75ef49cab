export { type CommandRecord, isTerminal, toCommandRecord } from './command-record.ts'
export {
  type CommandProblem,
  type CommandRequest,
  type CommandStore,
  createCommandStore,
  type NewCommand,
} from './command-store.ts'
