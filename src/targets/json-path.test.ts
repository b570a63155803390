import { describe, expect, it } from 'vitest';
import { formatPath, getPath, parsePath } from './json-path.js';

describe('json paths', () => {
  const doc = { data: { items: [{ text: 'a' }, { text: 'b' }], 'content-type': 'x' }, list: ['p', 'q'] };

  it('reads dotted and bracket paths, negative indexes and the root', () => {
    expect(getPath(doc, parsePath('data.items[0].text'))).toBe('a');
    expect(getPath(doc, parsePath('data.items[-1].text'))).toBe('b');
    expect(getPath(doc, parsePath('data.items.1.text'))).toBe('b');
    expect(getPath(doc, parsePath('data["content-type"]'))).toBe('x');
    expect(getPath(doc, parsePath('$.list[1]'))).toBe('q');
    expect(getPath(doc, parsePath('$'))).toBe(doc);
    expect(getPath(doc, parsePath('data.nope.deeper'))).toBeUndefined();
    expect(getPath(doc, parsePath('constructor'))).toBeUndefined();
    expect(getPath('text', parsePath('length'))).toBeUndefined();
  });

  it('rejects malformed paths with a reason', () => {
    for (const bad of ['', 'a..b', 'a.', '.a', 'a[', 'a[x]', 'a b', 'a]', '$x']) {
      expect(() => parsePath(bad), bad).toThrow();
    }
  });

  it('formats paths back', () => {
    expect(formatPath(parsePath('data["content type"][2].x'))).toBe('data["content type"][2].x');
    expect(formatPath([])).toBe('$');
  });
});
