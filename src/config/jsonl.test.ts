import { describe, expect, it } from 'vitest';
import { jsonSyntaxErrorColumn, locateInJsonLine } from './jsonl.js';

describe('jsonSyntaxErrorColumn', () => {
  it.each([
    ['{"a":1,"b":[true,false,null,-1.5e3,"\\u00e9"]}', undefined],
    ['{not json}', 2],
    ['[1,2,]', 6],
    ['{"a":"\\x"}', 8],
    ['{"a":1} x', 9],
    ['"\\u12g4"', 6],
    ['tru', 4],
    ['{"a":01}', 7],
    ['{"é":"ü",,}', 10],
  ])('%s → %s', (line, column) => {
    expect(jsonSyntaxErrorColumn(line)).toBe(column);
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
