import fp from 'fastify-plugin'

/**
 * Ends keep-alive connections as their last response goes out once the app is closing. Why:
 * `server.close()` reaps only connections that are idle at that moment; a connection whose request
 * was in flight would otherwise stay open until the keep-alive timeout (72 s), outlasting the
 * shutdown budget, and every deploy behind a load balancer would end in a forced exit.
 */
export const drainConnections = fp(
  async (app) => {
    let closing = false
    app.addHook('preClose', async () => {
      closing = true
    })
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close')
      done(null, payload)
    })
  },
  { name: '@chargebus/platform/drain-connections', fastify: '5.x' },
)
