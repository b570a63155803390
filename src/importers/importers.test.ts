import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, type LoadedCase } from '../config/load.js';
import { convertInspectSample } from './inspect.js';
import { convertOpenAIEvalsSample, evalsMatch, normalizeAnswer } from './openai-evals.js';
import { tempDir } from '../../test/helpers/tmp.js';

const fixtures = resolve(import.meta.dirname, '../../test/fixtures/importers');

async function grade(c: LoadedCase, output: string) {
  const verdicts = await Promise.all(
    c.graders.map((g) => g.grade({ case: c, output: { output }, latencyMs: 1 })),
  );
  return verdicts.map((v) => v.pass);
}

describe('importers through loadProject', () => {
  const project = loadProject(join(fixtures, 'evalgate.yml'));
  const suite = (id: string) => project.suites.find((s) => s.id === id)!;

  it('turns OpenAI Evals samples into cases: input, messages, ideal as expected, the match grader', () => {
    const cases = suite('evals-match').cases;
    expect(cases).toHaveLength(3);
    expect(cases[0]).toMatchObject({
      vars: {
        input: 'Capital of France?',
        messages: [
          { role: 'system', content: 'Answer with the capital only.' },
          { role: 'user', content: 'Capital of France?' },
        ],
      },
      expected: 'Paris',
      location: { file: join(fixtures, 'samples.jsonl'), line: 1 },
    });
    expect(cases[1]!.vars).toEqual({
      input: 'What is 2+2?',
      messages: [{ role: 'user', content: 'What is 2+2?' }],
    });
    expect(cases[0]!.graders.map((g) => g.name)).toEqual(['openai-evals-match']);
    expect(suite('evals-match').datasets).toEqual([join(fixtures, 'samples.jsonl')]);
  });

  it('Match: the stripped output starts with an ideal', async () => {
    const [paris, four] = suite('evals-match').cases;
    expect(await grade(paris!, '  Paris, of course')).toEqual([true]);
    expect(await grade(paris!, 'It is Paris')).toEqual([false]);
    expect(await grade(four!, 'four')).toEqual([true]);
    expect(await grade(four!, '5')).toEqual([false]);
  });

  it('Includes: the output contains an ideal', async () => {
    const [paris, , hamlet] = suite('evals-includes').cases;
    expect(await grade(paris!, 'It is Paris.')).toEqual([true]);
    expect(await grade(paris!, 'It is paris.')).toEqual([false]);
    expect(await grade(hamlet!, 'Shakespeare')).toEqual([false]);
  });

  it('FuzzyMatch: normalized, either contains the other', async () => {
    const [paris, , hamlet] = suite('evals-fuzzy').cases;
    expect(await grade(paris!, 'the answer is PARIS!')).toEqual([true]);
    expect(await grade(hamlet!, 'Shakespeare')).toEqual([true]);
    expect(await grade(hamlet!, 'The author was William   Shakespeare.')).toEqual([true]);
    expect(await grade(hamlet!, 'Marlowe')).toEqual([false]);
  });

  it('turns Inspect samples into cases: id, target as expected, metadata as tags', async () => {
    const [sky, planet] = suite('inspect').cases;
    expect(sky).toMatchObject({
      id: '1',
      vars: { input: 'What colour is the sky?' },
      expected: ['blue', 'Blue'],
      tags: { risk: 'low', source: 'trivia', difficulty: '2' },
    });
    expect(sky!.tags).not.toHaveProperty('nested');
    expect(planet).toMatchObject({ id: 'q-two', vars: { input: 'Largest planet?' }, expected: 'Jupiter' });
    expect(await grade(sky!, 'It is blue')).toEqual([true]);
  });

  it('reports a malformed sample with file and line', () => {
    const dir = tempDir('evalgate-import-');
    writeFileSync(
      join(dir, 'evalgate.yml'),
      'targets:\n  app: { type: command, command: [x] }\nsuites: [s.yml]\n',
    );
    writeFileSync(join(dir, 's.yml'), 'id: s\ndataset: { format: openai-evals, file: d.jsonl }\n');
    writeFileSync(join(dir, 'd.jsonl'), '{"input": "q", "ideal": "a"}\n{"input": "q", "ideal": 3}\n');
    expect(() => loadProject(join(dir, 'evalgate.yml'))).toThrow(
      /'ideal' must be a string or a list of strings/,
    );
    try {
      loadProject(join(dir, 'evalgate.yml'));
    } catch (e) {
      expect((e as { location?: { line?: number } }).location?.line).toBe(2);
    }
    writeFileSync(join(dir, 's.yml'), 'id: s\ndataset: { format: csv, file: d.jsonl }\n');
    expect(() => loadProject(join(dir, 'evalgate.yml'))).toThrow(
      /unknown dataset format .csv.; expected one of/,
    );
  });
});

describe('converters', () => {
  it('follows openai/evals semantics exactly', () => {
    expect(evalsMatch('match', ' Paris', 'Paris')).toBe(true);
    expect(evalsMatch('match', 'Paris', ' Paris')).toBe(false); // the ideal is not stripped
    expect(evalsMatch('includes', 'in Paris now', 'Paris')).toBe(true);
    expect(evalsMatch('fuzzy', 'Paris', 'The city of Paris.')).toBe(true);
    expect(normalizeAnswer('The  Quick, brown fox — an A!')).toBe('quick brown fox');
  });

  it('rejects samples without a usable input', () => {
    expect(() => convertOpenAIEvalsSample({ ideal: 'a' }, 'match')).toThrow(/'input'/);
    expect(() =>
      convertOpenAIEvalsSample({ input: [{ role: 'system', content: 'x' }], ideal: 'a' }, 'match'),
    ).toThrow(/no user message/);
    expect(() => convertInspectSample({ input: 'q', id: { x: 1 } })).toThrow(/'id'/);
    expect(convertInspectSample({ input: 'q', target: '' })).toEqual({ vars: { input: 'q' } });
  });
});
