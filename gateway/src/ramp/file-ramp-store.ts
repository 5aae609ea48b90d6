import { mkdirSync, readFileSync, renameSync } from 'node:fs';
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
    let text: string | undefined;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === undefined) return;
    try {
      this.states = new Map(Object.entries(JSON.parse(text) as Record<string, RampState>));
    } catch {
      // Unreadable states are kept aside for a person to look at; every ramp starts again
      // from its first step, which never serves more than before.
      renameSync(this.#path, `${this.#path}.unreadable-${Date.now()}`);
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
