import { describe, expect, it } from 'vitest';
import type { LoadedCase, LoadedSuite } from '../config/load.js';
import { UsageError } from '../config/errors.js';
import { selectSuites } from './select.js';

function suite(id: string, cases: Partial<LoadedCase>[]): LoadedSuite {
  return {
    id,
    tier: 'trusted',
    kind: 'regression',
    target: 't',
    repeat: 1,
    always: false,
    dependsOn: [],
    file: `/p/${id}.yml`,
    datasets: [],
    contentHash: 'h',
    cases: cases.map((c, i) => ({
      id: `c${i}`,
      suite: id,
      vars: {},
      tags: {},
      blocker: false,
      repeat: 1,
      graders: [],
      location: { file: `/p/${id}.yml`, line: i + 1 },
      ...c,
    })),
  };
}

const suites = [
  suite('a', [{ tags: { risk: 'high' } }, { tags: { risk: ['low', 'medium'] }, blocker: true }]),
  suite('b', [{ tags: { workflow: 'refunds' } }]),
];

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('selectSuites', () => {
  it('narrows by suite (any of) and filter (all of)', () => {
    expect(selectSuites(suites, ['b'], []).map((s) => s.id)).toEqual(['b']);
    const r = selectSuites(suites, [], ['risk=medium', 'blocker=true']);
    expect(r.map((s) => [s.id, s.cases.map((c) => c.id)])).toEqual([['a', ['c1']]]);
  });

  it('an empty input (a plan that affected nothing) is not an error, whatever the flags', () => {
    expect(selectSuites([], ['a'], ['risk=high'])).toEqual([]);
  });

  it('a --suite or --filter that matches nothing names the flag and what exists', () => {
    expect(usage(() => selectSuites(suites, ['c'], []))).toBe("--suite: no suite 'c'; suites: a, b");
    expect(usage(() => selectSuites(suites, [], ['risk=critical']))).toBe(
      '--filter risk=critical matches no case; risk: high, low, medium',
    );
    expect(usage(() => selectSuites(suites, ['b'], ['risk=high']))).toBe(
      "--filter risk=high matches no case in suite b; no case has a tag 'risk' (tags in use: workflow)",
    );
    expect(usage(() => selectSuites(suites, [], ['risk']))).toMatch(/^--filter takes key=value/);
  });
});
