import { describe, expect, it } from 'vitest';
import { jsonSyntaxError, locateInJsonLine } from './jsonl.js';

describe('jsonSyntaxError', () => {
  it.each([
    ['{"a":1,"b":[true,false,null,-1.5e3,"\\u00e9"]}', undefined, undefined],
    ['{not json}', 2, 'a property name in double quotes'],
    ['[1,2,]', 6, 'a value'],
    ['{"a":"\\x"}', 8, 'an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX'],
    ['{"a":1} x', 9, 'the end of the line after the value'],
    ['"\\u12g4"', 6, 'four hex digits after \\u'],
    ['tru', 4, "'true'"],
    ['{"a":01}', 7, "',' or '}'"],
    ['{"é":"ü",,}', 10, 'a property name in double quotes'],
    ['{"a" 1}', 6, "':'"],
    ['["a', 4, "a closing '\"'"],
  ])('%s → %s', (line, column, expected) => {
    const found = jsonSyntaxError(line);
    expect(found?.column).toBe(column);
    expect(found?.expected).toBe(expected);
    // It agrees with JSON.parse on what is JSON.
    expect(() => JSON.parse(line)).toSatisfy((parse: () => unknown) => {
      try {
        parse();
        return column === undefined;
      } catch {
        return column !== undefined;
      }
    });
  });
});

describe('locateInJsonLine', () => {
  it('finds the value at a path, or its nearest parent', () => {
    const line = '{"id":"x","vars":{"q":1},"graders":[{"type":"nope"}]}';
    expect(locateInJsonLine(line, ['vars', 'q'])).toBe(line.indexOf('1') + 1);
    expect(locateInJsonLine(line, ['graders', 0, 'type'])).toBe(line.indexOf('"nope"') + 1);
    expect(locateInJsonLine(line, ['missing'])).toBe(1);
  });
});
