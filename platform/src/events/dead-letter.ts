import type { Redis } from 'ioredis';

/** Where a stream's unusable entries go: `<stream>.dead`. */
export const deadLetterStream = (stream: string) => `${stream}.dead`;

/**
 * Parks an entry that will never apply on the dead-letter stream, with the reason, and acks it
 * in the same MULTI: it leaves the group's pending list only once it is kept elsewhere, so it is
 * neither retried forever nor dropped without a trace.
 */
export async function parkEntry(
  redis: Redis,
  place: { stream: string; group: string; consumer: string },
  entry: { id: string; raw: string | undefined; reason: string },
): Promise<void> {
  const results = await redis
    .multi()
    .xadd(
      deadLetterStream(place.stream),
      '*',
      'event',
      entry.raw ?? '',
      'reason',
      entry.reason,
      'stream',
      place.stream,
      'entry_id',
      entry.id,
      'group',
      place.group,
      'consumer',
      place.consumer,
      'parked_at',
      new Date().toISOString(),
    )
    .xack(place.stream, place.group, entry.id)
    .exec();
  const failed = results?.find(([error]) => error)?.[0];
  if (!results || failed) throw failed ?? new Error('parking the entry got no reply');
}
