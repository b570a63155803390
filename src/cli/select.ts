import { UsageError } from '../config/errors.js';
import type { LoadedSuite } from '../config/load.js';

/**
 * Narrows the project's suites by `--suite ID` (any of) and `--filter key=value` (all of).
 * A filter key is a case tag (`risk=high`), or `blocker` / `id`.
 */
export function selectSuites(suites: LoadedSuite[], ids: string[], filters: string[]): LoadedSuite[] {
  const known = new Set(suites.map((s) => s.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) {
    throw new UsageError(
      `unknown suite ${unknown.map((u) => `'${u}'`).join(', ')}; suites: ${[...known].join(', ')}`,
    );
  }
  const parsed = filters.map((f) => {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`--filter takes key=value (a case tag, 'blocker' or 'id'), got '${f}'`);
    return { key: f.slice(0, eq), value: f.slice(eq + 1) };
  });
  const chosen = ids.length ? suites.filter((s) => ids.includes(s.id)) : suites;
  if (parsed.length === 0) return chosen;
  return chosen
    .map((s) => ({
      ...s,
      cases: s.cases.filter((c) =>
        parsed.every(({ key, value }) => {
          if (key === 'blocker') return String(c.blocker) === value;
          if (key === 'id') return c.id === value;
          const tag = c.tags[key];
          return Array.isArray(tag) ? tag.includes(value) : tag === value;
        }),
      ),
    }))
    .filter((s) => s.cases.length > 0);
}
