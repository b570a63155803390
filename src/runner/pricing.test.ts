import { describe, expect, it } from 'vitest';
import { BATCH_PRICE_FACTOR, batchPrice, batchPrices, costOf, PriceTable } from './pricing.js';

describe('PriceTable', () => {
  const table = new PriceTable({ 'gpt-4o': { input: 1, output: 2 }, 'my-model': { input: 5, output: 5 } });

  it('prefers the project prices, then the defaults', () => {
    expect(table.lookup('gpt-4o')).toEqual({ input: 1, output: 2 });
    expect(table.lookup('gpt-4o-mini')).toMatchObject({ input: 0.15, output: 0.6 });
    expect(table.lookup('My-Model')).toEqual({ input: 5, output: 5 });
  });

  it('prices dated snapshots and router names as their model, and nothing else', () => {
    expect(table.lookup('gpt-4o-mini-2024-07-18')).toMatchObject({ input: 0.15 });
    expect(table.lookup('claude-3-5-sonnet-20241022')).toMatchObject({ input: 3 });
    expect(table.lookup('claude-opus-4-1-20250805')).toMatchObject({ input: 15 });
    expect(table.lookup('gpt-4-0613')).toMatchObject({ input: 30 });
    expect(table.lookup('openai/gpt-4.1-mini')).toMatchObject({ input: 0.4 });
    expect(table.lookup('gpt-4o-audio-preview')).toBeNull();
    expect(table.lookup('llama-3-70b')).toBeNull();
    expect(table.lookup(undefined)).toBeNull();
  });

  it('charges cached prompt tokens at the cached price', () => {
    const price = { input: 2, cachedInput: 0.5, output: 8 };
    expect(costOf({ prompt: 1_000_000, completion: 0, total: 1_000_000 }, price)).toBe(2);
    expect(costOf({ prompt: 1000, completion: 500, total: 1500, cached: 400 }, price)).toBeCloseTo(
      (600 * 2 + 400 * 0.5 + 500 * 8) / 1e6,
      15,
    );
    expect(
      costOf({ prompt: 100, completion: 0, total: 100, cached: 100 }, { input: 2, output: 8 }),
    ).toBeCloseTo(200 / 1e6, 15);
    expect(table.cost(undefined, 'gpt-4o')).toBeUndefined();
    expect(table.cost({ prompt: 1, completion: 1, total: 2 }, 'unknown')).toBeUndefined();
  });

  it('prices the model asked for first, then the one the server answered with', () => {
    const usage = { prompt: 1_000_000, completion: 0, total: 1_000_000 };
    // llama.cpp answers with its model file's name; the project priced the name it asked for.
    expect(table.cost(usage, 'my-model', 'qwen2.5-7b-instruct-q4_k_m.gguf')).toBe(5);
    // Asked for an alias with no price; the server's name has one.
    expect(table.cost(usage, 'local-alias', 'gpt-4o')).toBe(1);
    // Both priced: the requested name wins.
    expect(table.cost(usage, 'my-model', 'gpt-4o')).toBe(5);
    expect(table.cost(usage, 'nope', 'nada')).toBeUndefined();
    expect(PriceTable.namesLookedUp('nope', 'nada')).toEqual(['nope', 'nada']);
    expect(PriceTable.namesLookedUp('same', 'same')).toEqual(['same']);
    expect(PriceTable.namesLookedUp(undefined, 'x')).toEqual(['x']);
    expect(PriceTable.namesLookedUp(undefined, undefined)).toEqual([]);
  });
});

describe('batch prices', () => {
  it('are the list price × BATCH_PRICE_FACTOR (0.5, as OpenAI bills batches), unless a model sets its own', () => {
    expect(BATCH_PRICE_FACTOR).toBe(0.5);
    expect(batchPrice({ input: 2.5, cachedInput: 1.25, output: 10 })).toEqual({
      input: 1.25,
      cachedInput: 0.625,
      output: 5,
    });
    const own = { input: 1, output: 3, batch: { input: 0.6, output: 1.8 } };
    expect(batchPrice(own)).toEqual({ input: 0.6, output: 1.8 });
  });

  it('a batch run prices every model at its batch price, the project first, snapshots included', () => {
    const table = new PriceTable(
      batchPrices({
        'GPT-4o': { input: 1, output: 2 },
        mine: { input: 4, output: 4, batch: { input: 3, output: 3 } },
      }),
    );
    expect(table.lookup('gpt-4o')).toEqual({ input: 0.5, output: 1 });
    expect(table.lookup('gpt-4o-mini-2024-07-18')).toEqual({
      input: 0.075,
      cachedInput: 0.0375,
      output: 0.3,
    });
    expect(table.lookup('mine')).toEqual({ input: 3, output: 3 });
    // 1,000 prompt + 500 completion tokens of gpt-4o-mini: half the live cost.
    const usage = { prompt: 1000, completion: 500, total: 1500 };
    expect(table.cost(usage, 'gpt-4o-mini')).toBeCloseTo(
      new PriceTable().cost(usage, 'gpt-4o-mini')! / 2,
      15,
    );
  });
});
