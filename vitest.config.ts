import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: {
    __EVALGATE_VERSION__: JSON.stringify(
      JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version,
    ),
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A fresh TMPDIR for the run, which must be empty again at the end (see the file).
    globalSetup: ['test/global-setup.ts'],
    // Removes what `tempDir` (test/helpers/tmp.ts) made, after each test file.
    setupFiles: ['test/setup-cleanup.ts'],
  },
});
