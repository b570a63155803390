import { describe, expect, it } from 'vitest';
import { parseResultsDocument } from '../compare/input.js';
import { compare } from '../compare/compare.js';
import { ConfigError } from '../config/errors.js';
import {
  BaselineError,
  baselinesToResults,
  createBaselines,
  parseBaseline,
  serializeBaseline,
} from './document.js';
import { fakeResults } from '../../test/kits/baseline.js';

const results = fakeResults([{ id: 'support-qa' }, { id: 'billing/qa', target: 'billing', outcomes: 'PE' }]);

function parseError(text: string, file = '/repo/.evalgate/baselines/support-qa.json'): BaselineError {
  try {
    parseBaseline(text, file, 'support-qa');
  } catch (e) {
    expect(e).toBeInstanceOf(BaselineError);
    expect(e).toBeInstanceOf(ConfigError);
    return e as BaselineError;
  }
  throw new Error('expected parseBaseline to throw');
}

describe('createBaselines', () => {
  it('splits the Results document into one fingerprinted baseline per suite', () => {
    const baselines = createBaselines(results, {
      privacy: 'raw',
      extras: { 'support-qa': { graderSpecHash: 'g1' } },
    });
    expect(baselines.map((b) => b.suite)).toEqual(['support-qa', 'billing/qa']);
    const [support, billing] = baselines;
    expect(support).toMatchObject({
      schemaVersion: 1,
      privacy: 'raw',
      fingerprint: {
        suite: { id: 'support-qa', contentHash: 'hash-support-qa', caseIds: ['case-1', 'case-2', 'case-3'] },
        target: {
          name: 'support',
          kind: 'openai',
          model: 'gpt-4o-mini',
          systemVersion: 'sys-1',
          components: { model: 'm1', prompt: 'p1' },
        },
        graders: { names: ['contains'], specHash: 'g1' },
        evalgateVersion: '0.1.0',
        commit: 'a'.repeat(40),
        ref: 'main',
        recordedAt: '2026-01-01T00:01:00.000Z',
      },
    });
    // The run is narrowed to the suite's own target.
    expect(Object.keys(support!.run.targets)).toEqual(['support']);
    expect(Object.keys(billing!.run.targets)).toEqual(['billing']);
    expect(billing!.fingerprint.graders.specHash).toBeUndefined();
  });

  it('refuses an interrupted run', () => {
    const partial = { ...results, summary: { ...results.summary, partial: true } };
    expect(() => createBaselines(partial, { privacy: 'raw' })).toThrow(/interrupted run/);
  });
});

describe('parseBaseline', () => {
  const good = serializeBaseline(createBaselines(results, { privacy: 'raw' })[0]!);

  it('reads back what was written', () => {
    expect(parseBaseline(good, 'x.json', 'support-qa')).toEqual(JSON.parse(good));
  });

  it('names the file and says it is truncated', () => {
    const e = parseError(good.slice(0, good.length / 2));
    expect(e.location?.file).toBe('/repo/.evalgate/baselines/support-qa.json');
    expect(e.format('/repo')).toMatch(
      /^\.evalgate\/baselines\/support-qa\.json: baseline is not valid JSON \(.*\); it may be truncated or corrupt/,
    );
  });

  it('rejects an empty file, a non-object and a file without schemaVersion', () => {
    expect(parseError('').message).toBe('baseline is empty');
    expect(parseError('[1,2]').message).toBe('baseline is not a JSON object');
    expect(parseError('{"suite": "x"}').message).toMatch(/no schemaVersion: it is not an evalgate baseline/);
  });

  it('rejects another schema version, naming the field', () => {
    const e = parseError(good.replace('"schemaVersion": 1', '"schemaVersion": 2'));
    expect(e.format('/repo')).toBe(
      '.evalgate/baselines/support-qa.json: schemaVersion: baseline has schemaVersion 2, this evalgate reads 1: save the baseline again with this version',
    );
  });

  it('rejects a malformed document with the field at fault', () => {
    const doc = JSON.parse(good);
    delete doc.fingerprint.suite.contentHash;
    const e = parseError(JSON.stringify(doc));
    expect(e.location?.field).toBe('fingerprint.suite.contentHash');
    expect(e.message).toMatch(/^baseline is malformed: /);

    const bad = JSON.parse(good);
    bad.result.cases[0].samples[0].graders[0].score = 7;
    expect(parseError(JSON.stringify(bad)).message).toMatch(
      /baseline is malformed: result\.cases\[0\]\.samples\[0\]\.graders\[0\]\.score/,
    );
  });

  it('rejects a file holding another suite', () => {
    const other = serializeBaseline(createBaselines(results, { privacy: 'raw' })[1]!);
    expect(parseError(other).message).toBe(`baseline holds suite 'billing/qa', expected 'support-qa'`);
  });
});

describe('baselinesToResults', () => {
  it('makes one Results document that compare reads and compares', () => {
    const baselines = createBaselines(results, { privacy: 'redacted' });
    const doc = baselinesToResults(baselines);
    expect(doc.suites.map((s) => s.id)).toEqual(['billing/qa', 'support-qa']);
    expect(Object.keys(doc.run.targets).sort()).toEqual(['billing', 'support']);
    expect(doc.summary).toMatchObject({
      suites: 2,
      cases: 5,
      passed: 3,
      failed: 1,
      errors: 1,
      partial: false,
    });
    expect(() => parseResultsDocument(JSON.stringify(doc), 'baseline')).not.toThrow();
    const comparison = compare(doc, results);
    expect(comparison.suites.map((s) => s.id).sort()).toEqual(['billing/qa', 'support-qa']);
  });
});
