import { ContractChecker } from '../support/contract.ts'

// The contract check must be able to fail: a document with one operation, and responses that break it.
const Problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'instance', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string' },
  },
  additionalProperties: false,
}
const doc = {
  paths: {
    '/v1/things/{id}': {
      get: {
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id'],
                  properties: { id: { type: 'string', format: 'uuid' } },
                },
              },
            },
          },
          '4XX': { content: { 'application/problem+json': { schema: Problem } } },
        },
      },
    },
  },
}
const problem = JSON.stringify({ type: 't', title: 't', status: 404, detail: 'd', instance: '/x', code: 'C' })

test.each([
  [
    'a body that breaks the schema',
    { status: 200, contentType: 'application/json', body: '{"id":"nope"}' },
    /body does not match/,
  ],
  [
    'an undocumented status',
    { status: 500, contentType: 'application/problem+json', body: problem },
    /status 500 is not documented/,
  ],
  [
    'the wrong media type',
    { status: 404, contentType: 'application/json', body: problem },
    /content type application\/json not in/,
  ],
  [
    'a problem with extra fields',
    { status: 404, contentType: 'application/problem+json', body: problem.replace('}', ',"stack":"x"}') },
    /body does not match/,
  ],
])('%s is a mismatch', (_, r, why) => {
  const checker = new ContractChecker(doc)
  checker.check({ method: 'GET', url: '/v1/things/1', ...r })
  expect(checker.mismatches).toEqual([expect.stringMatching(why)])
})

test('conforming responses and problem answers to unknown routes pass', () => {
  const checker = new ContractChecker(doc)
  checker.check({
    method: 'GET',
    url: '/v1/things/1?x=1',
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: '{"id":"00000000-0000-4000-8000-000000000000"}',
  })
  checker.check({
    method: 'GET',
    url: '/v1/things/1',
    status: 404,
    contentType: 'application/problem+json; charset=utf-8',
    body: problem,
  })
  checker.check({
    method: 'GET',
    url: '/v1/other',
    status: 404,
    contentType: 'application/problem+json; charset=utf-8',
    body: problem,
  })
  expect(checker.mismatches).toEqual([])
  checker.check({ method: 'GET', url: '/v1/other', status: 200, contentType: 'application/json', body: '{}' })
  expect(checker.mismatches).toHaveLength(2)
})
