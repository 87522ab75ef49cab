/** Everything an async iterable yields (`Array.fromAsync`, which the es2024 lib does not declare). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}
