import { ConfigError } from './errors.js';
import { parseYaml } from './yaml.js';

/**
 * Positions inside one line of a JSONL dataset, for errors. Only ever called on the way to
 * reporting one, so neither needs to be fast.
 */

/**
 * Where `line` stops being JSON (1-based column) and what was expected there, or undefined
 * when it is valid. JSON.parse says where only in some of its messages (in none of the V8
 * ones for an unexpected token), and its wording changes between Node versions, so this is
 * a small recursive-descent checker of its own (RFC 8259).
 */
export function jsonSyntaxError(line: string): { column: number; expected: string } | undefined {
  let i = 0;
  const fail = (expected: string): never => {
    throw new SyntaxAt(i, expected);
  };
  const ws = () => {
    while (i < line.length && ' \t\r\n'.includes(line[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (line[i] !== ch) fail(`'${word}'`);
      i++;
    }
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= line.length) fail("a closing '\"'");
      const ch = line[i]!;
      if (ch === '"') return void i++;
      if (ch < ' ') fail('no control character inside a string (escape it)');
      if (ch === '\\') {
        i++;
        const esc = line[i];
        if (esc === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++)
            if (!/[0-9a-fA-F]/.test(line[i] ?? '')) fail('four hex digits after \\u');
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(line.slice(i));
    if (!m) fail('a value');
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = line[i];
    if (ch === '{') {
      i++;
      ws();
      if (line[i] === '}') return void i++;
      for (;;) {
        ws();
        if (line[i] !== '"') fail('a property name in double quotes');
        string();
        ws();
        if (line[i] !== ':') fail("':'");
        i++;
        value();
        ws();
        if (line[i] === ',') i++;
        else if (line[i] === '}') return void i++;
        else fail("',' or '}'");
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (line[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (line[i] === ',') i++;
        else if (line[i] === ']') return void i++;
        else fail("',' or ']'");
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    number();
  };
  try {
    value();
    ws();
    if (i < line.length) fail('the end of the line after the value');
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxAt) return { column: columnOf(line, e.offset), expected: e.expected };
    throw e;
  }
}

/** The 1-based column of the value at `path` in the JSON object on `line` (of its nearest existing parent). */
export function locateInJsonLine(line: string, path: readonly (string | number)[]): number {
  try {
    return parseYaml(line, '').locate(path).column;
  } catch (e) {
    // JSON the YAML parser refuses (a duplicate key): the start of the line will do.
    if (e instanceof ConfigError) return 1;
    throw e;
  }
}

class SyntaxAt {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

/** Columns count characters as an editor does: code points, not UTF-16 units. */
function columnOf(line: string, offset: number): number {
  return Array.from(line.slice(0, Math.min(offset, line.length))).length + 1;
}

/**
 * Each non-blank line of JSONL `text` parsed and handed to `fn` with its position and text; a
 * line that is not JSON becomes a ConfigError at its file:line:col in `errors` and is skipped,
 * so every bad line of a file is reported in one pass.
 */
export function forEachJsonLine(
  text: string,
  file: string,
  errors: ConfigError[],
  fn: (value: unknown, at: { file: string; line: number }, line: string) => void,
): void {
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const at = { file, line: i + 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      const syntax = jsonSyntaxError(line);
      errors.push(
        new ConfigError(`invalid JSON${syntax ? `: expected ${syntax.expected}` : ''}`, {
          ...at,
          column: syntax?.column ?? 1,
        }),
      );
      return;
    }
    fn(value, at, line);
  });
}
