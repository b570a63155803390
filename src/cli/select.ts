import { UsageError } from '../config/errors.js';
import type { LoadedSuite } from '../config/load.js';

/**
 * Narrows the project's suites by `--suite ID` (any of) and `--filter key=value` (all of).
 * A filter key is a case tag (`risk=high`), or `blocker` / `id`.
 *
 * A selection the user typed that matches nothing is a usage error naming the flag and what
 * does exist: a typo must not turn into a green run of zero cases. An empty input (a plan
 * that affected no suite) is not the user's selection, and passes through empty.
 */
export function selectSuites(suites: LoadedSuite[], ids: string[], filters: string[]): LoadedSuite[] {
  const parsed = filters.map((f) => {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`--filter takes key=value (a case tag, 'blocker' or 'id'), got '${f}'`);
    return { key: f.slice(0, eq), value: f.slice(eq + 1) };
  });
  if (suites.length === 0) return [];
  const known = new Set(suites.map((s) => s.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) {
    throw new UsageError(
      `--suite: no suite ${unknown.map((u) => `'${u}'`).join(', ')}; suites: ${[...known].join(', ')}`,
    );
  }
  const chosen = ids.length ? suites.filter((s) => ids.includes(s.id)) : suites;
  if (parsed.length === 0) return chosen;
  const narrowed = chosen
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
  if (narrowed.length === 0) {
    const where = ids.length ? ` in suite${ids.length === 1 ? '' : 's'} ${ids.join(', ')}` : '';
    throw new UsageError(
      `--filter ${filters.join(' --filter ')} matches no case${where}; ${describeValues(
        chosen,
        parsed.map((p) => p.key),
      )}`,
    );
  }
  return narrowed;
}

/** What the filtered keys do hold, so the user can see the typo: `risk: high, low`. */
function describeValues(suites: LoadedSuite[], keys: string[]): string {
  const parts = [...new Set(keys)].map((key) => {
    const values = new Set<string>();
    for (const s of suites)
      for (const c of s.cases) {
        if (key === 'blocker') values.add(String(c.blocker));
        else if (key === 'id') values.add(c.id);
        else [c.tags[key] ?? []].flat().forEach((v) => values.add(v));
      }
    const list = [...values].sort();
    const shown = list.slice(0, 10).join(', ') + (list.length > 10 ? `, … (${list.length} in all)` : '');
    return list.length ? `${key}: ${shown}` : `no case has a tag '${key}'`;
  });
  const tags = new Set(suites.flatMap((s) => s.cases.flatMap((c) => Object.keys(c.tags))));
  const keysNote =
    keys.some((k) => k !== 'blocker' && k !== 'id' && !tags.has(k)) && tags.size
      ? ` (tags in use: ${[...tags].sort().join(', ')})`
      : '';
  return `${parts.join('; ')}${keysNote}`;
}
