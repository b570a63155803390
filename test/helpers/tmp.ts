import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary folders a test file made through `tempDir`. `test/setup-cleanup.ts` removes them
 * after the file's last test (an `afterAll` every test file gets), so a folder made in a
 * `beforeAll` lives as long as the tests that share it and a test that throws half-way leaves
 * nothing behind. The run's global teardown (`test/global-setup.ts`) fails on anything left.
 */
const made = new Set<string>();

/** A fresh folder in the system's temp folder, removed after the test file. */
export function tempDir(prefix = 'evalgate-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every folder `tempDir` made so far (the per-file `afterAll`). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  made.clear();
}
