/**
 * A deliberately small path language for pulling values out of JSON responses and case vars:
 * `answer`, `data.items[0].text`, `items[-1]` (last), `meta["content-type"]`, and `$` for the
 * whole value. Anything richer (filters, wildcards) belongs in the application, not in config.
 */
export type PathSegment = string | number;

/** Parses a path once, so evaluating it per response is a plain loop. Throws Error on bad syntax. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  if (path.trim() !== path) throw new Error(`invalid path '${path}': leading or trailing spaces`);
  if (path[0] === '$') {
    i = 1;
    if (i < n && path[i] !== '.' && path[i] !== '[')
      throw new Error(`invalid path '${path}': expected '.' or '[' after '$'`);
    if (path[i] === '.') i++;
  }
  if (i === n) {
    if (path === '') throw new Error('empty path; use $ for the whole value');
    if (path.endsWith('.')) throw new Error(`invalid path '${path}': ends with '.'`);
    return segments;
  }
  let expectKey = true;
  while (i < n) {
    const ch = path[i]!;
    if (ch === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new Error(`invalid path '${path}': unclosed '['`);
      const inner = path.slice(i + 1, close);
      if (/^-?\d+$/.test(inner)) segments.push(Number(inner));
      else if (/^"[^"]*"$|^'[^']*'$/.test(inner)) segments.push(inner.slice(1, -1));
      else throw new Error(`invalid path '${path}': '[${inner}]' is neither an index nor a quoted key`);
      i = close + 1;
      expectKey = false;
    } else if (ch === '.') {
      if (expectKey) throw new Error(`invalid path '${path}': empty segment`);
      i++;
      expectKey = true;
      if (i === n) throw new Error(`invalid path '${path}': ends with '.'`);
    } else {
      if (!expectKey) throw new Error(`invalid path '${path}': expected '.' or '[' at position ${i}`);
      let j = i;
      while (j < n && path[j] !== '.' && path[j] !== '[' && path[j] !== ']') j++;
      const key = path.slice(i, j);
      if (/\s/.test(key))
        throw new Error(`invalid path '${path}': spaces in '${key}'; quote the key as ["${key}"]`);
      if (path[j] === ']') throw new Error(`invalid path '${path}': unexpected ']'`);
      segments.push(key);
      i = j;
      expectKey = false;
    }
  }
  return segments;
}

/** The value at `path`, or undefined when any step is missing. Negative indexes count from the end. */
export function getPath(value: unknown, path: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : NaN;
      if (Number.isNaN(index)) return undefined;
      current = current[index < 0 ? current.length + index : index];
    } else {
      const key = String(segment);
      // Own properties only: a path like `constructor` must not reach into the prototype.
      if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
      current = (current as Record<string, unknown>)[key];
    }
  }
  return current;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[^.[\]\s"']+$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `["${segment}"]`;
  }
  return out || '$';
}
