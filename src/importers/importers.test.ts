import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, type LoadedCase } from '../config/load.js';
import { convertInspectSample, InspectFieldsSchema } from './inspect.js';
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
    writeFileSync(
      join(dir, 's.yml'),
      'id: s\ndataset:\n  format: inspect\n  file: d.jsonl\n  fields: { inputt: q }\n',
    );
    expect(() => loadProject(join(dir, 'evalgate.yml'))).toThrow(/Unrecognized key: "inputt"/);
    try {
      loadProject(join(dir, 'evalgate.yml'));
    } catch (e) {
      expect((e as { location?: { line?: number; field?: string } }).location).toMatchObject({
        line: 5,
        field: 'dataset.fields',
      });
    }
    writeFileSync(join(dir, 's.yml'), 'id: s\ndataset: { format: csv, file: d.jsonl }\n');
    expect(() => loadProject(join(dir, 'evalgate.yml'))).toThrow(
      /unknown dataset format .csv.; expected one of/,
    );
  });
});

describe('real public files (test/fixtures/importers/real, see SOURCES.md)', () => {
  const root = join(fixtures, 'real');
  const project = loadProject(join(root, 'evalgate.yml'));
  const suite = (id: string) => project.suites.find((s) => s.id === id)!;

  it('openai/evals character-counts: the system message stays in the conversation', async () => {
    const cases = suite('character-counts').cases;
    expect(cases).toHaveLength(3);
    expect(cases[1]).toMatchObject({
      vars: {
        input: 'Personal loan rates are rising. Here’s what to expect in 2023.',
        messages: [
          {
            role: 'system',
            content: 'How many characters are in the following sentence?  Please answer with just the count.',
          },
          { role: 'user', content: 'Personal loan rates are rising. Here’s what to expect in 2023.' },
        ],
      },
      expected: '62',
    });
    expect(await grade(cases[1]!, '62')).toEqual([true]);
    expect(await grade(cases[1]!, '61')).toEqual([false]);
  });

  it('legacy openai/evals {prompt, completion}: prompt is the input, the completion (leading space dropped) the ideal', async () => {
    const [first] = suite('unfamiliar-chinese-character').cases;
    expect(first).toMatchObject({
      vars: {
        input: 'left-right structure, with 军 on the left and 皮 on the right. What is this character?',
        messages: [
          {
            role: 'user',
            content: 'left-right structure, with 军 on the left and 皮 on the right. What is this character?',
          },
        ],
      },
      expected: "皲, pronounced [jūn], which means 'the skin cracks due to coldness or dryness'.",
    });
    expect(first!.graders.map((g) => g.name)).toEqual(['openai-evals-match']);
  });

  it('Inspect biology_qa with a FieldSpec mapping: question is the input, answer the target, id the id', async () => {
    const cases = suite('biology-qa').cases;
    expect(cases.map((c) => c.id)).toEqual(['2', '3', '1']);
    expect(cases[1]!.vars.input).toMatch(/^Which 90s TV series starred/);
    expect(cases[1]!.expected).toBe('Lush Life');
    expect(await grade(cases[1]!, 'It was Lush Life (1996).')).toEqual([true]);
    expect(await grade(cases[1]!, 'Seinfeld')).toEqual([false]);
  });

  it('without the mapping, biology_qa is rejected with a hint naming the fields it has', () => {
    const dir = tempDir('evalgate-import-');
    writeFileSync(
      join(dir, 'evalgate.yml'),
      'targets:\n  app: { type: command, command: [x] }\nsuites: [s.yml]\n',
    );
    writeFileSync(
      join(dir, 's.yml'),
      `id: s\ndataset: { format: inspect, file: ${JSON.stringify(join(root, 'biology_qa.jsonl'))} }\n`,
    );
    expect(() => loadProject(join(dir, 'evalgate.yml'))).toThrow(
      /no 'input' field; if the input is under another name, map it: fields: \{ input: NAME \} \(this record has fields 'id', 'question', 'answer'\)/,
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
    expect(() => convertOpenAIEvalsSample({ prompt: 'q', completion: 3 }, 'match')).toThrow(
      /'completion' must be a string/,
    );
    expect(() => convertOpenAIEvalsSample({ prompt: { text: 'q' }, completion: 'a' }, 'match')).toThrow(
      /'prompt' must be a string or a list of chat messages/,
    );
  });

  it('legacy prompt may be a chat list; input wins over prompt when both are present', () => {
    expect(
      convertOpenAIEvalsSample(
        {
          prompt: [
            { role: 'system', content: 'Be terse.' },
            { role: 'user', content: 'Capital of Peru?' },
          ],
          completion: ' Lima',
        },
        'match',
      ),
    ).toMatchObject({
      vars: {
        input: 'Capital of Peru?',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'Capital of Peru?' },
        ],
      },
      expected: 'Lima',
    });
    expect(convertOpenAIEvalsSample({ input: 'a', prompt: 'b', ideal: 'x' }, 'match')).toMatchObject({
      vars: { input: 'a' },
      expected: 'x',
    });
  });

  it('Inspect FieldSpec: every field renamed, choices as a var, listed fields as tags', () => {
    const fields = InspectFieldsSchema.parse({
      input: 'q',
      target: 'gold',
      id: 'key',
      choices: 'options',
      metadata: ['level', 'topic', 'absent'],
    });
    expect(
      convertInspectSample(
        {
          key: 'mc 7',
          q: 'Which is a noble gas?',
          gold: 'B',
          options: ['Nitrogen', 'Argon', 'Oxygen'],
          level: 3,
          topic: 'chemistry',
          input: 'not the input',
          metadata: { ignored: true },
        },
        fields,
      ),
    ).toEqual({
      id: 'mc-7',
      vars: { input: 'Which is a noble gas?', choices: ['Nitrogen', 'Argon', 'Oxygen'] },
      expected: 'B',
      tags: { level: '3', topic: 'chemistry' },
    });
    expect(() => convertInspectSample({ q: 'x', options: 'A' }, fields)).toThrow(
      /'options' must be a list of strings/,
    );
  });
});
