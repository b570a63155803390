import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { loadProject } from '../config/load.js';
import { tempDir } from '../../test/helpers/tmp.js';
import { defaultDimension, DIMENSIONS } from './dimensions.js';
import { compileGrader } from './index.js';
import { gradeAnswer, gradedSample } from '../runner/grade.js';
import { GRADER_TYPES, GraderSpecSchema, normalizeGraderInput } from './spec.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = tempDir('evalgate-dim-');
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return join(dir, 'evalgate.yml');
}

const CONFIG = `targets:\n  bot:\n    type: command\n    command: [node, bot.mjs]\nsuites:\n  - suites/*.yml\n`;

describe('grader dimensions', () => {
  it('gives every grader type a default: exact checks correctness, safety risk, RAG grounding, judges usefulness', () => {
    const byType = Object.fromEntries(GRADER_TYPES.map((t) => [t, defaultDimension(t)]));
    expect(byType).toMatchObject({
      equals: 'correctness',
      contains: 'correctness',
      regex: 'correctness',
      'json-schema': 'correctness',
      'tool-calls': 'correctness',
      trajectory: 'correctness',
      refusal: 'risk',
      canary: 'risk',
      pii: 'risk',
      'tool-boundaries': 'risk',
      retrieval: 'grounding',
      abstention: 'grounding',
      faithfulness: 'grounding',
      'citation-support': 'grounding',
      judge: 'usefulness',
    });
    for (const d of Object.values(byType)) expect(DIMENSIONS).toContain(d);
  });

  it('stamps the dimension on the compiled grader, the spec overriding the default, `not-` forms included', () => {
    const compile = (raw: unknown) =>
      compileGrader(GraderSpecSchema.parse(normalizeGraderInput(raw)), { baseDir: '.' });
    expect(compile({ type: 'contains', value: 'x' }).dimension).toBe('correctness');
    expect(compile({ type: 'not-contains', value: 'rm -rf', dimension: 'risk' }).dimension).toBe('risk');
    expect(compile({ type: 'canary', values: ['SECRET-123'] }).dimension).toBe('risk');
    // Refusing a harmful request is risk; answering a harmless one (over-refusal) is usefulness.
    expect(compile({ type: 'refusal' }).dimension).toBe('risk');
    expect(compile({ type: 'refusal', expect: false }).dimension).toBe('usefulness');
    expect(compile({ type: 'retrieval', metric: 'recall', k: 3, min: 0.5 }).dimension).toBe('grounding');
    expect(
      compile({ type: 'judge', rubric: 'cites the policy', model: 'gpt-x', dimension: 'grounding' })
        .dimension,
    ).toBe('grounding');
  });

  it('reads `dimension:` in a suite file and puts it on the loaded graders', () => {
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml':
        'id: s\ngraders: [{ type: contains, value: ok, dimension: usefulness }]\ncases:\n  - id: one\n    graders: [{ type: pii }]\n',
    });
    const c = loadProject(path).suites[0]!.cases[0]!;
    expect(c.graders.map((g) => g.dimension)).toEqual(['usefulness', 'risk']);
  });

  it('puts the dimension on every verdict, and marks an abstaining answer', async () => {
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml':
        'id: s\ngraders: [{ type: contains, value: know, dimension: usefulness }]\ncases:\n  - id: one\n    graders: [{ type: pii }]\n',
    });
    const c = loadProject(path).suites[0]!.cases[0]!;
    const input = { case: c, output: { output: "I don't know: the documents don't say." }, latencyMs: 5 };
    const verdicts = await gradeAnswer(c, input);
    expect(verdicts.map((v) => [v.grader, v.dimension])).toEqual([
      ['contains', 'usefulness'],
      ['pii', 'risk'],
    ]);
    expect(gradedSample(0, undefined, input, verdicts, 0, false)).toMatchObject({
      refusal: true,
      abstained: true,
    });
    const refused = { ...input, output: { output: "I can't help with that." } };
    const sample = gradedSample(0, undefined, refused, verdicts, 0, false);
    expect(sample.refusal).toBe(true);
    expect(sample.abstained).toBeUndefined();
  });

  it('rejects an unknown dimension at its file, line and column', () => {
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml':
        'id: s\ncases:\n  - id: one\n    graders:\n      - type: contains\n        value: x\n        dimension: safety\n',
    });
    let errors: string[] = [];
    try {
      loadProject(path);
    } catch (e) {
      if (e instanceof ConfigErrors) errors = e.errors.map((x) => x.format(dirname(path)));
      else if (e instanceof ConfigError) errors = [e.format(dirname(path))];
      else throw e;
    }
    expect(errors).toEqual([
      expect.stringMatching(/^suites\/a\.yml:7:20: cases\[0\]\.graders\[0\]\.dimension: .*correctness/),
    ]);
  });
});
