import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reads until `done` holds or the attempts run out (50 ms apart), and returns the last value
 * either way: the caller's assertion on it then shows what was there instead of a bare timeout.
 */
export async function eventually<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  attempts = 200,
): Promise<T> {
  let value = await read();
  for (let i = 0; i < attempts && !done(value); i++) {
    await sleep(50);
    value = await read();
  }
  return value;
}
