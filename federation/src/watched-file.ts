import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface WatchedFile {
  close(): void;
}

/**
 * Calls `onChange` with the file's text whenever it changes. The directory is watched, not
 * the file, because editors and `kubectl` ConfigMap updates replace files by rename, which a
 * file watch would lose. Bursts of events are coalesced into one read.
 */
export function watchFile(
  path: string,
  onChange: (text: string) => void,
  onError: (error: Error) => void,
): WatchedFile {
  let timer: NodeJS.Timeout | undefined;
  let last: string | undefined;
  const read = async () => {
    try {
      const text = await readFile(path, 'utf8');
      if (text === last) return;
      last = text;
      onChange(text);
    } catch (error) {
      onError(error as Error);
    }
  };
  const name = basename(path);
  let watcher: FSWatcher | undefined = watch(dirname(path), (_event, changed) => {
    if (changed && changed !== name && !changed.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(read, 50);
  });
  watcher.on('error', onError);
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
