import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A fresh directory for the enclosing suite (the files a deployable under test reads or
 * writes), removed after the suite's later-registered afterAll hooks have closed what used it.
 */
export function scratchDirPerSuite(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
