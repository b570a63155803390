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
    // loopback servers as much as on the CPU: three workers keep both cores busy (quiet:
    // 208 s with three isolated workers against 222 s with two).
    maxWorkers: 3,
    // A worker runs its test files one after another in one module graph instead of loading
    // src/ afresh for each: importing took 48 s of the run's CPU. Safe here because no test
    // mocks a module or changes process.env, every module-level cache in src/ is keyed by
    // content (template.ts) or holds constants, and servers, signal handlers and temp folders
    // are removed by the file that made them (setup-cleanup.ts still runs for every file).
    // Quiet, 2-core machine: 167 s, against 208 s isolated.
    isolate: false,
    // A fresh TMPDIR for the run, which must be empty again at the end (see the file).
    globalSetup: ['test/global-setup.ts'],
    // Removes what `tempDir` (test/helpers/tmp.ts) made, after each test file.
    setupFiles: ['test/setup-cleanup.ts'],
  },
});
