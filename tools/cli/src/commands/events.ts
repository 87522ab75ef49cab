import type { Command, CommandContext } from '../context.ts'

type Action = (args: string[], ctx: CommandContext) => Promise<number>

/** Each subcommand in its own module, loaded on demand like the commands. */
const actions: Readonly<Record<string, () => Promise<Action>>> = {
  list: async () => (await import('../events/list.ts')).listEvents,
  generate: async () => (await import('../events/generate.ts')).generateEvents,
  publish: async () => (await import('../events/publish.ts')).publishEvents,
  invoke: async () => (await import('../events/invoke.ts')).invokeHandler,
}

export const command: Command = {
  summary: 'the event catalog: list it, generate valid samples, publish them, run a service handler on them',
  usage: `usage: chargebus events list [--schemas] [--json]
       chargebus events generate NAME|SUBJECT [--station ID ...] [--count N]
       chargebus events publish [--subject SUBJECT] [--namespace NS] [--json]   < events
       chargebus events invoke SERVICE CONSUMER [--json]                        < events

list      every catalog event: name@version, stream, subject pattern, description; --schemas adds each JSON
          Schema, --json prints one JSON array with schemas and examples.
generate  valid samples from the catalog's examples, one JSON line each ({ event, version, subject, data }):
          NAME is an event name (session.started, or session.started@1), SUBJECT a subject or a filter with *
          (ocpp.in.1_6.CP-7.StartTransaction, ocpp.in.*.*.MeterValues; a station in it becomes the samples').
          --station ID (repeatable) sets stationId; --count N makes N copies per station and example, the i-th
          with messageId + "-i" and timestamps i seconds later. Output is always JSON.
publish   reads JSON lines or one JSON document (an event or an array) from stdin: what generate prints, or bare
          data with --subject naming the catalog event. Validates every event before publishing any, then
          publishes each durably (Nats-Msg-Id: the input's msgId, else a hash of the event, so the same input is
          stored once) and prints stream, sequence and whether it was a duplicate. NATS_URL and its credential
          variables; --namespace NS targets a bus namespace (tests).
invoke    runs one service's consumer handler (the same code its JetStream consumer runs) on the events from
          stdin, against DATABASE_URL, without the bus: generate ... | events invoke ingest station-messages.
          Events the handler publishes (ingest: domain events from its outbox) are printed as JSON lines
          ({ published: { event, subject, msgId, data } }) instead of being sent. Unknown SERVICE or CONSUMER: the
          error lists what exists.`,

  async run(args, ctx) {
    const [name, ...rest] = args
    const load = name !== undefined && Object.hasOwn(actions, name) ? actions[name] : undefined
    if (load === undefined) throw usageError('expected list, generate, publish or invoke')
    return (await load())(rest, ctx)
  },
}

/** A command-line mistake: printed with a pointer to --help, exit 2. */
export function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
}
