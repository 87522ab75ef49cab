import { applyLocalList, buildLocalList, localListToSend } from '../../src/commands/domain/local-list.ts'

describe('local lists', () => {
  const tags = [
    { idTag: 'b-tag', status: 'Blocked' },
    { idTag: 'A-TAG', status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'FLEET' },
  ]
  test('Full lists every tag, sorted', () => {
    expect(buildLocalList('Full', tags, { OLD: { status: 'Accepted' } }).list).toEqual([
      {
        idTag: 'A-TAG',
        idTagInfo: { status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'FLEET' },
      },
      { idTag: 'b-tag', idTagInfo: { status: 'Blocked' } },
    ])
  })
  test('Differential lists new and changed tags and removals, compared case-insensitively', () => {
    const previous = {
      'B-TAG': { status: 'Blocked' },
      'a-tag': { status: 'Accepted' },
      Gone: { status: 'Accepted' },
    }
    const { list, entries } = buildLocalList('Differential', tags, previous)
    expect(list).toEqual([
      {
        idTag: 'A-TAG',
        idTagInfo: { status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'FLEET' },
      },
      { idTag: 'Gone' },
    ])
    expect(Object.keys(entries).sort()).toEqual(['A-TAG', 'b-tag'])
    expect(applyLocalList(previous, 'Differential', list)).toEqual({
      'B-TAG': { status: 'Blocked' },
      'A-TAG': entries['A-TAG'],
    })
  })
  test('nothing changed: an empty differential list', () => {
    const { entries } = buildLocalList('Full', tags, {})
    expect(buildLocalList('Differential', tags, entries).list).toEqual([])
  })
  test('Full replaces what the station had', () => {
    expect(
      applyLocalList({ X: { status: 'Accepted' } }, 'Full', [
        { idTag: 'Y', idTagInfo: { status: 'Blocked' } },
      ]),
    ).toEqual({
      Y: { status: 'Blocked' },
    })
  })
})

describe('localListToSend', () => {
  const tags = [{ idTag: 'A', status: 'Accepted' }]

  test("without a list: built from the tags, the version after the station's last one", () => {
    expect(localListToSend({ updateType: 'Full' }, { version: 4, entries: {} }, tags)).toEqual({
      payload: {
        listVersion: 5,
        localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }],
        updateType: 'Full',
      },
      localList: { version: 5, entries: { A: { status: 'Accepted' } } },
    })
  })
  test('a station that never accepted a list gets version 1; anything but Differential is Full', () => {
    const sent = localListToSend({ updateType: 'Bogus' }, undefined, tags)
    expect(sent.payload.listVersion).toBe(1)
    expect(sent.payload.updateType).toBe('Full')
  })
  test("the caller's list and version are sent as given; the held list follows from them", () => {
    const given = [{ idTag: 'B', idTagInfo: { status: 'Blocked' } }, { idTag: 'OLD' }]
    const previous = { version: 2, entries: { OLD: { status: 'Accepted' }, KEEP: { status: 'Accepted' } } }
    expect(
      localListToSend(
        { updateType: 'Differential', listVersion: 9, localAuthorizationList: given },
        previous,
        [],
      ),
    ).toEqual({
      payload: { listVersion: 9, localAuthorizationList: given, updateType: 'Differential' },
      localList: { version: 9, entries: { KEEP: { status: 'Accepted' }, B: { status: 'Blocked' } } },
    })
  })
})
