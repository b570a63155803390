import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/tmp.js';

// Every test file: remove the folders its tests made with `tempDir` (and so with
// `createRepo`, `cloneRepo`, `generateLargeRepo`), whether its tests passed or not.
afterAll(removeTempDirs);
