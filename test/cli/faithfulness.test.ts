import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ResultsDocument } from '../../src/results/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { tempDir } from '../helpers/tmp.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv2020,
) => void;
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const validateResults = ajv.compile(JSON.parse(readFileSync('schema/results.schema.json', 'utf8')) as object);

/*
 * The fixture project (test/fixtures/faithfulness/project) through the real CLI: a command
 * target answering 10 cases from fixed retrieval, 8 answerable and 2 unanswerable, graded
 * by faithfulness, precision@2 and abstention; here also by the faithfulness judge (a fake
 * OpenAI endpoint that always passes), which is uncalibrated and so advisory.
 *
 * Worked by hand (app.mjs has the answers and documents):
 * - faithful: every answer is two sentences found in its first retrieved document: each
 *   answerable case scores 2/2 = 1; the unanswerable ones abstain: no claim, excluded.
 *   faithfulness = 8/8 = 1 over 8 cases, 2 left out.
 * - precision@2: each answerable case retrieves its relevant document and one other: 1/2;
 *   the unanswerable ones are left out: mean 0.5 (a vacuous 1 for them would have made it
 *   (8 × 0.5 + 2) / 10 = 0.6).
 * - drift: one of the two claims of each answerable case is changed (a number, a negation, a
 *   detail the documents do not have): each scores 1/2, faithfulness = 0.5; min 1, so the 8
 *   answerable cases fail and only the 2 abstentions pass.
 * - compare with the faithful run as baseline: score:faithfulness fell by 0.5 on all 8 paired
 *   cases; exact Wilcoxon p = 2 / 2^8 = 0.0078 < 0.05 and 0.5 > minEffect 0.05: regressed.
 */
let server: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  server = await startFakeOpenAI({
    script: () => ({ content: JSON.stringify({ verdict: 'pass', score: 1, reasoning: 'All supported.' }) }),
  });
  dir = tempDir('evalgate-faithfulness-');
  cpSync('test/fixtures/faithfulness/project', dir, { recursive: true });
  const suite = join(dir, 'suites/rag.yml');
  writeFileSync(
    suite,
    readFileSync(suite, 'utf8').replace(
      '  - { type: abstention }\n',
      '  - { type: abstention }\n  - { type: faithfulness, judge: true, name: faithfulness-judge }\n',
    ),
  );
  writeFileSync(
    join(dir, 'evalgate.yml'),
    `${readFileSync(join(dir, 'evalgate.yml'), 'utf8')}judge:\n  model: judge-1\n  baseURL: ${server.url}\n  apiKeyEnv: JUDGE_KEY\n`,
  );
});

afterAll(() => server.close());

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: dir,
    env: { PATH: process.env.PATH, JUDGE_KEY: 'k' },
    isTTY: false,
  });
  return { code, stdout, stderr };
}

function results(file = 'evalgate-results.json'): ResultsDocument {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as ResultsDocument;
}

describe('faithfulness end to end (fixture suite, real runner, real compare and gate)', () => {
  it('scores a faithful bot 1, leaves abstentions out of the means, and marks the judge advisory', async () => {
    const r = await cli(['run']);
    expect(r.stderr).not.toContain('warning');
    expect(r.code).toBe(0);
    const doc = results();
    expect(validateResults(doc)).toBe(true);
    const m = doc.suites[0]!.metrics;
    expect(m.graderScores).toEqual({
      abstention: 1,
      faithfulness: 1,
      'faithfulness-judge': 1,
      'precision@2': 0.5,
    });
    expect(m.graderExcluded).toEqual({ faithfulness: 2, 'precision@2': 2 });
    expect(m.passRate).toBe(1);
    const gift = doc.suites[0]!.cases.find((c) => c.id === 'gift-cards')!.samples[0]!.graders;
    expect(gift.find((g) => g.grader === 'faithfulness')).toMatchObject({
      excluded: true,
      layer: 'task-metric',
    });
    expect(gift.find((g) => g.grader === 'faithfulness-judge')).toMatchObject({
      advisory: true,
      layer: 'judge',
    });

    // The run table: the advisory judge is marked in the suite row and the score table, with the footnote.
    expect(r.stdout).toContain('| rag (advisory: faithfulness-judge[1]) | trusted |');
    expect(r.stdout).toMatch(/\| rag {3}\| faithfulness-judge \(advisory\)\[1\] \| +1\.000 \| +\|/);
    expect(r.stdout).toMatch(/\| rag {3}\| precision@2 +\| +0\.500 \| 2 not applicable \|/);
    expect(r.stdout).toMatch(/\| rag {3}\| faithfulness +\| +1\.000 \| 2 not applicable \|/);
    expect(r.stdout).toContain(
      '[1] rag / faithfulness-judge: advisory, not calibrated (no judge.calibration report); its verdicts are reported but never fail a case, a suite or the gate',
    );
    cpSync(join(dir, 'evalgate-results.json'), join(dir, 'base.json'));
  });

  it('a bot whose answers drift from the documents scores 0.5, names the unsupported claims, and fails the score:faithfulness gate', async () => {
    writeFileSync(join(dir, 'mode.txt'), 'drift\n');
    const r = await cli(['run']);
    expect(r.code).toBe(0); // no blocker case: the run reports, the comparison gates
    const doc = results();
    const m = doc.suites[0]!.metrics;
    expect(m.graderScores.faithfulness).toBe(0.5);
    expect(m.graderExcluded).toEqual({ faithfulness: 2, 'precision@2': 2 });
    expect(m.passed).toBe(2);
    expect(m.failed).toBe(8);
    const reasons = Object.fromEntries(
      doc.suites[0]!.cases.map((c) => [
        c.id,
        c.samples[0]!.graders.find((g) => g.grader === 'faithfulness')!.reason,
      ]),
    );
    expect(reasons['refund-window']).toBe(
      '1/2 claims supported by 2 context passages = 0.5 < min 1; unsupported: "You can get a refund within 60 days of delivery." (closest: "refunds", 75% of its words, which lacks "60")',
    );
    expect(reasons['opened-items']).toContain(
      '"Opened items can be returned." (closest: "refunds", 100% of its words, whose closest sentence is negated: the claim asserts what it denies)',
    );
    expect(reasons['warranty-scope']).toContain(
      '"The warranty covers accidental damage." (closest: "warranty", 50% of its words)',
    );
    expect(reasons['charge-time']).toContain(
      '"We accept Visa, Mastercard and American Express." (closest: "payments", 60% of its words)',
    );
    expect(r.stdout).toContain('rag / refund-window');

    const c = await cli([
      'compare',
      '--baseline',
      'base.json',
      '--current',
      'evalgate-results.json',
      '--format',
      'json',
    ]);
    expect(c.stderr).toMatch(/^evalgate: fail — rag: /);
    expect(c.code).toBe(1);
    const out = JSON.parse(c.stdout) as {
      verdict: string;
      comparison: {
        suites: {
          metrics: {
            metric: string;
            verdict: string;
            delta: number;
            pValue: number;
            minEffect: number;
            advisory?: boolean;
          }[];
        }[];
      };
    };
    expect(out.verdict).toBe('fail');
    const metrics = out.comparison.suites[0]!.metrics;
    const faithfulness = metrics.find((x) => x.metric === 'score:faithfulness')!;
    expect(faithfulness).toMatchObject({ verdict: 'regressed', delta: -0.5, minEffect: 0.05 });
    expect(faithfulness.pValue).toBeCloseTo(2 / 256, 10);
    // The judge's score is compared too, and marked advisory (it did not move here).
    expect(metrics.find((x) => x.metric === 'score:faithfulness-judge')).toBeUndefined();
  });
});
