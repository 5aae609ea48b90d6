import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RampState } from './ramp-state.ts';
import { MemoryRampStore, type RampStore } from './ramp-store.ts';

/**
 * Ramp states in `<DATA_DIR>/ramps.json`, for a single gateway: a restart resumes each ramp
 * where it was. Written to a temporary file and renamed, so a crash mid-write leaves the
 * previous states, never half a file.
 */
export class FileRampStore extends MemoryRampStore {
  override readonly kind: RampStore['kind'] = 'file';
  readonly #path: string;
  #writing = Promise.resolve();

  constructor(dataDir: string) {
    super();
    mkdirSync(dataDir, { recursive: true });
    this.#path = join(dataDir, 'ramps.json');
    try {
      const saved = JSON.parse(readFileSync(this.#path, 'utf8')) as Record<string, RampState>;
      this.states = new Map(Object.entries(saved));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  protected override persist(): Promise<void> {
    const text = JSON.stringify(Object.fromEntries(this.states));
    // One write at a time, in order: the last state saved is the one on disk.
    this.#writing = this.#writing.then(async () => {
      const temporary = join(dirname(this.#path), `.ramps.json.${process.pid}`);
      await writeFile(temporary, text);
      await rename(temporary, this.#path);
    });
    return this.#writing;
  }
}
