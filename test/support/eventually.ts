/**
 * Polls until `check` returns true, or throws after `timeoutMs`: for effects that land asynchronously
 * (an event published after the row it describes, a consumer catching up).
 *
 * ### Examples
 * ```ts
 * await eventually(async () => (await domainEvents(world)).length === 5)
 * ```
 */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (performance.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}
