/** A command-line mistake found after parsing: `runCli` prints it with the usage hint and exits 2. */
export function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}
