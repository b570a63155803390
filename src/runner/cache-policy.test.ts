import { describe, expect, it } from 'vitest';
import { cacheNamespace } from './run.js';

describe('cacheNamespace: which targets are cached, under what name', () => {
  it('caches openai targets by their name: the request holds the whole prompt and parameters', () => {
    expect(cacheNamespace('bot', { type: 'openai' }, 'v1')).toBe('bot');
    expect(cacheNamespace('bot', { type: 'openai', cache: false }, 'v1')).toBeNull();
  });

  it('does not cache http or command targets unless asked: their answers depend on code the request does not show', () => {
    expect(cacheNamespace('app', { type: 'http' }, 'v1')).toBeNull();
    expect(cacheNamespace('cli', { type: 'command' }, 'v1')).toBeNull();
  });

  it('keys an opted-in http or command target by its system version, so a component change misses the cache', () => {
    expect(cacheNamespace('app', { type: 'http', cache: true }, 'a1b2')).toBe('app@a1b2');
    expect(cacheNamespace('app', { type: 'http', cache: true }, 'c3d4')).not.toBe(
      cacheNamespace('app', { type: 'http', cache: true }, 'a1b2'),
    );
  });
});
