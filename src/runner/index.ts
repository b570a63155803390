/** The run stage: suites × targets → the Results document. See run.ts. */
export {
  runEval,
  computeRunKey,
  type RunEvent,
  type RunMetadata,
  type RunOptions,
  type RunOutcome,
} from './run.js';
export { createDiskCache, createMemoryCache, type CachedResponse, type ResponseCache } from './cache.js';
export { DEFAULT_PRICES, PriceTable, costOf } from './pricing.js';
export { percentile } from './metrics.js';
