/**
 * The database is down, too slow, or out of connections: the request fails at once with a
 * JSON 503 and changes nothing (its transaction never committed), instead of hanging or 500.
 */
export class StorageUnavailable extends Error {
  readonly statusCode = 503;
  readonly code = 'STORAGE_UNAVAILABLE';
  readonly retryAfterSeconds = 1;
  constructor(cause: unknown) {
    super('the database is unavailable; nothing was changed, try again later', { cause });
  }
}
