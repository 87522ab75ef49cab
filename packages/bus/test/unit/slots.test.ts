import { createSlots } from '../../src/slots.ts'

describe('createSlots', () => {
  test('hands out at most max slots and passes released ones to waiters in order', async () => {
    const slots = createSlots(2)
    const order: number[] = []
    await slots.acquire()
    await slots.acquire()
    const third = slots.acquire().then(() => order.push(3))
    const fourth = slots.acquire().then(() => order.push(4))
    await Promise.resolve()
    expect(order).toEqual([])
    expect(slots.inUse()).toBe(2)

    slots.release()
    await third
    expect(order).toEqual([3])
    slots.release()
    await fourth
    expect(order).toEqual([3, 4])
    expect(slots.inUse()).toBe(2)
  })

  test('drained() resolves once every slot is back', async () => {
    const slots = createSlots(3)
    await expect(slots.drained()).resolves.toBeUndefined()
    await slots.acquire()
    await slots.acquire()
    let drained = false
    const waiting = slots.drained().then(() => {
      drained = true
    })
    slots.release()
    await Promise.resolve()
    expect(drained).toBe(false)
    slots.release()
    await waiting
    expect(drained).toBe(true)
  })
})
