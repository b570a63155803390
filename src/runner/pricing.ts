import type { Price } from '../config/schema.js';
import type { TokenUsage } from '../results/types.js';

/**
 * List prices in USD per million tokens, as the providers published them at the time of
 * writing. They drift: a project that reports cost should pin its own under `prices:` in
 * evalgate.yml, which always wins over these. `cachedInput` is the price of prompt tokens
 * served from the provider's prompt cache (Anthropic: cache reads).
 */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  // OpenAI
  'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-4': { input: 30, output: 60 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  o1: { input: 15, cachedInput: 7.5, output: 60 },
  'o1-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  // Anthropic
  'claude-opus-4-1': { input: 15, cachedInput: 1.5, output: 75 },
  'claude-opus-4': { input: 15, cachedInput: 1.5, output: 75 },
  'claude-sonnet-4-5': { input: 3, cachedInput: 0.3, output: 15 },
  'claude-sonnet-4': { input: 3, cachedInput: 0.3, output: 15 },
  'claude-3-7-sonnet': { input: 3, cachedInput: 0.3, output: 15 },
  'claude-3-5-sonnet': { input: 3, cachedInput: 0.3, output: 15 },
  'claude-haiku-4-5': { input: 1, cachedInput: 0.1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, cachedInput: 0.08, output: 4 },
  'claude-3-opus': { input: 15, cachedInput: 1.5, output: 75 },
  'claude-3-haiku': { input: 0.25, cachedInput: 0.03, output: 1.25 },
  // Google (prompts up to 200k tokens)
  'gemini-2.5-pro': { input: 1.25, cachedInput: 0.31, output: 10 },
  'gemini-2.5-flash': { input: 0.3, cachedInput: 0.075, output: 2.5 },
  'gemini-2.0-flash': { input: 0.1, cachedInput: 0.025, output: 0.4 },
};

/**
 * Snapshot suffixes that do not change the price: `-2024-08-06`, `-20241022`, `-0613`,
 * `-latest`, `-preview`. Anything else (`-mini`, `-audio`) is a different model, so
 * `gpt-4o-audio-preview` is unpriced rather than priced as `gpt-4o`.
 */
const SNAPSHOT_SUFFIX = /^(?:-(?:\d{4}(?:-\d{2}-\d{2})?|\d{8}|latest|preview))+$/;

/** Finds a model's price: the project's table first, then the defaults; memoised per model. */
export class PriceTable {
  private readonly tables: Map<string, Price>[];
  private readonly memo = new Map<string, Price | null>();

  constructor(projectPrices: Record<string, Price> = {}, defaults: Record<string, Price> = DEFAULT_PRICES) {
    const lower = (t: Record<string, Price>) =>
      new Map(Object.entries(t).map(([k, v]) => [k.toLowerCase(), v]));
    this.tables = [lower(projectPrices), lower(defaults)];
  }

  lookup(model: string | undefined): Price | null {
    if (!model) return null;
    let price = this.memo.get(model);
    if (price === undefined) {
      price = this.resolve(model);
      this.memo.set(model, price);
    }
    return price;
  }

  /**
   * USD for one response; undefined when the usage is unknown or neither model has a price.
   * The model asked for is looked up first, then the one the server says answered: local
   * servers (llama.cpp, vLLM, Ollama) answer with their own name for the model (a file name,
   * a path), while the project prices the name it configured.
   */
  cost(usage: TokenUsage | undefined, requested: string | undefined, returned?: string): number | undefined {
    if (!usage) return undefined;
    const price = this.lookup(requested) ?? (returned === requested ? null : this.lookup(returned));
    return price ? costOf(usage, price) : undefined;
  }

  /** The distinct names `cost` looks up, in its order: what a "no price" message should name. */
  static namesLookedUp(requested: string | undefined, returned: string | undefined): string[] {
    const names: string[] = [];
    if (requested) names.push(requested);
    if (returned && returned !== requested) names.push(returned);
    return names;
  }

  private resolve(model: string): Price | null {
    const full = model.toLowerCase();
    // Routers name models `provider/model` (OpenRouter, LiteLLM); the price is the model's.
    const names = full.includes('/') ? [full, full.slice(full.lastIndexOf('/') + 1)] : [full];
    for (const table of this.tables) {
      for (const name of names) {
        const exact = table.get(name);
        if (exact) return exact;
        let best: string | undefined;
        for (const key of table.keys()) {
          if (name.startsWith(key) && SNAPSHOT_SUFFIX.test(name.slice(key.length))) {
            if (!best || key.length > best.length) best = key;
          }
        }
        if (best) return table.get(best)!;
      }
    }
    return null;
  }
}

/**
 * cost = ((prompt − cached) × input + cached × (cachedInput ?? input) + completion × output) / 10⁶,
 * prices in USD per million tokens.
 */
export function costOf(usage: TokenUsage, price: Price): number {
  const cached = Math.min(Math.max(usage.cached ?? 0, 0), usage.prompt);
  const uncached = usage.prompt - cached;
  return (
    (uncached * price.input + cached * (price.cachedInput ?? price.input) + usage.completion * price.output) /
    1e6
  );
}

/**
 * What a Batch API request costs against the same request sent live: OpenAI bills batch
 * input and output tokens at half the list price (platform.openai.com/docs/guides/batch).
 * A model whose batch price differs says so in its `prices:` entry (`batch:`), which wins.
 */
export const BATCH_PRICE_FACTOR = 0.5;

/** A model's batch price: its own `batch` entry, else its list price × BATCH_PRICE_FACTOR. */
export function batchPrice(price: Price, factor = BATCH_PRICE_FACTOR): Price {
  if (price.batch) return price.batch;
  return {
    input: price.input * factor,
    output: price.output * factor,
    ...(price.cachedInput !== undefined && { cachedInput: price.cachedInput * factor }),
  };
}

/**
 * The price table of a batch run, to pass where a run takes `prices`: every model the
 * project or the defaults price, at its batch price (the project's entries win, as always).
 */
export function batchPrices(
  projectPrices: Record<string, Price> = {},
  defaults: Record<string, Price> = DEFAULT_PRICES,
): Record<string, Price> {
  const out: Record<string, Price> = {};
  const lower = new Map(Object.keys(projectPrices).map((k) => [k.toLowerCase(), k]));
  for (const [model, price] of Object.entries(defaults))
    if (!lower.has(model.toLowerCase())) out[model] = batchPrice(price);
  for (const [model, price] of Object.entries(projectPrices)) out[model] = batchPrice(price);
  return out;
}
