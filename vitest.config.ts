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
    // Vitest's default is one worker fewer than the cores: one, on the 2-core machines CI
    // and developers have. The slow files (simulation, e2e) wait on child processes and
    // loopback servers as much as on the CPU, so two workers halve the wall time.
    maxWorkers: 2,
    // A fresh TMPDIR for the run, which must be empty again at the end (see the file).
    globalSetup: ['test/global-setup.ts'],
    // Removes what `tempDir` (test/helpers/tmp.ts) made, after each test file.
    setupFiles: ['test/setup-cleanup.ts'],
  },
});
