import { demoGuide, parseStartLine } from '../../src/demo/guide.ts'

test("pnpm start's services-up line gives the API and gateway addresses; other lines give none", () => {
  const line =
    'start: 6 services up; API docs http://127.0.0.1:3000/docs (key dev-admin-key in development); stations: http://127.0.0.1:3100/ocpp/1.6; a fleet ...'
  expect(parseStartLine(line)).toEqual({ api: 'http://127.0.0.1:3000', gateway: 'http://127.0.0.1:3100' })
  expect(parseStartLine('start: dependencies up (ready: ...)')).toBeUndefined()
  expect(parseStartLine('api | API docs http://x/docs stations: http://y/ocpp/1.6')).toBeUndefined()
})

test('the guide names the docs, the key, curl commands with today as the range, and the SSE stream', () => {
  const text = demoGuide(
    { api: 'http://127.0.0.1:3000', gateway: 'http://127.0.0.1:3100' },
    'dev-admin-key',
    { burstExit: 0, sessions: 2 },
    new Date('2026-12-06T21:30:00Z'),
  )
  expect(text).toContain('2 sessions of station DEMO-00001 read back through the API\n')
  expect(text).toContain('http://127.0.0.1:3000/docs        development key: dev-admin-key')
  expect(text).toContain(
    "curl -H 'Authorization: Bearer dev-admin-key' 'http://127.0.0.1:3000/v1/aggregates/energy?interval=hour&groupBy=network&from=2026-12-06T00:00:00.000Z&to=2026-12-07T00:00:00.000Z'",
  )
  expect(text).toContain("curl -N -H 'Authorization: Bearer dev-admin-key' 'http://127.0.0.1:3000/v1/events'")
  expect(text).not.toContain('problems')
})
