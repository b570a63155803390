import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LoadedCase } from '../config/load.js';
import { accuracy, cohensKappa, type Confusion } from './calibrate.js';
import { compileGrader } from './index.js';
import { GraderSpecSchema } from './spec.js';

/**
 * The deterministic faithfulness grader against 40 hand-labelled claims
 * (test/fixtures/faithfulness/labels.jsonl; labelled by reading the documents, before the
 * grader ran). "Pass" is a claim the grader finds supported (score 1). The table and the
 * disagreements are what the README reports: the lexical check misses paraphrases with
 * few shared words and numbers written out, and takes a claim built from a document's own
 * words in another sense as supported.
 */
const docs = JSON.parse(readFileSync('test/fixtures/faithfulness/documents.json', 'utf8')) as Record<
  string,
  string
>;
const labels = readFileSync('test/fixtures/faithfulness/labels.jsonl', 'utf8')
  .trim()
  .split('\n')
  .map(
    (l) =>
      JSON.parse(l) as { id: string; contexts: string[]; claim: string; label: 'supported' | 'unsupported' },
  );

describe('faithfulness: agreement with hand labels', () => {
  it('36 of 40 claims agree (90%), kappa 0.79; the 4 disagreements are the known blind spots', async () => {
    const grader = compileGrader(GraderSpecSchema.parse({ type: 'faithfulness' }), { baseDir: '.' });
    const t: Confusion = { bothPass: 0, judgePassHumanFail: 0, judgeFailHumanPass: 0, bothFail: 0 };
    const disagree: string[] = [];
    for (const l of labels) {
      const c = {
        id: l.id,
        suite: 'labels',
        vars: {},
        tags: {},
        blocker: false,
        repeat: 1,
      } as unknown as LoadedCase;
      const v = await grader.grade({
        case: c,
        output: { output: l.claim, contexts: l.contexts.map((id) => ({ id, text: docs[id]! })) },
        latencyMs: 0,
      });
      expect(v.error).toBeUndefined();
      const graderSays = v.score === 1;
      const human = l.label === 'supported';
      if (graderSays && human) t.bothPass++;
      else if (graderSays) t.judgePassHumanFail++;
      else if (human) t.judgeFailHumanPass++;
      else t.bothFail++;
      if (graderSays !== human) disagree.push(`${l.id} ${l.label}`);
    }
    expect(labels).toHaveLength(40);
    expect(t).toEqual({ bothPass: 21, judgePassHumanFail: 1, judgeFailHumanPass: 3, bothFail: 15 });
    expect(disagree).toEqual(['f08 supported', 'f10 supported', 'f27 unsupported', 'f28 supported']);
    expect(accuracy(t)).toBe(36 / 40);
    // p_o = 0.9; p_e = (22/40)(24/40) + (18/40)(16/40) = 0.33 + 0.18 = 0.51; kappa = 0.39 / 0.49.
    expect(cohensKappa(t)).toBeCloseTo(0.39 / 0.49, 12);
  });
});
