/** Runs `fn` over `items` with at most `limit` in flight, keeping input order (bounded to avoid EMFILE on big trees). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function tooLargeReason(size: number, maxBytes: number): string {
  return `file is ${size} bytes, over limits.maxFileBytes (${maxBytes}); not read`;
}
