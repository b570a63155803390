import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CanaryDecision } from '../canary/decide.js';
import {
  closeComment,
  evidenceDigest,
  INCIDENT_SECTIONS,
  issueBody,
  issueTitle,
  parseMarker,
  updateComment,
} from './render.js';
import { fingerprintOf, signalOf } from './signal.js';

/** As src/report's goldens: `UPDATE_GOLDEN=1 npx vitest run src/production/incident` rewrites them. */
function golden(name: string, actual: string): void {
  const file = new URL(`./__golden__/${name}.md`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new Error(`missing golden file __golden__/${name}.md: run with UPDATE_GOLDEN=1 to write it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const RUN = {
  at: '2026-12-07T05:10:00.000Z',
  runUrl: 'https://github.com/octo-org/octo-repo/actions/runs/991',
};

function decision(errorStatus: 'rollback' | 'within', look: number): CanaryDecision {
  return {
    schema: 'evalgate.canary-decision',
    schemaVersion: 1,
    decision: errorStatus === 'rollback' ? 'rollback' : 'promote',
    canary: 'sys-7c1e|`x`',
    control: 'sys-41aa',
    look,
    alpha: 0.05,
    records: { canary: 1600, control: 1600 },
    recordsNeeded: { canary: 0, control: 0 },
    reasons:
      errorStatus === 'rollback'
        ? ['errorRate: ×2.1 (×1.4 to ×3.3), beyond the tolerated ×1.5 — see #12 and ping @oncall <b>now</b>']
        : [],
    metrics: [
      {
        metric: 'errorRate',
        status: errorStatus,
        test: 'conditional-binomial-sequential',
        effect:
          errorStatus === 'rollback'
            ? { kind: 'ratio', estimate: 2.1, lower: 1.4, upper: 3.3 }
            : { kind: 'ratio', estimate: 1.02, lower: 0.7, upper: 1.3 },
        tolerance: 1.5,
        alpha: 0.025,
        canary: {
          records: 1600,
          events: errorStatus === 'rollback' ? 67 : 33,
          value: errorStatus === 'rollback' ? 0.0419 : 0.0206,
        },
        control: { records: 1600, events: 32, value: 0.02 },
        recordsNeeded: { canary: 0, control: 0 },
        reason: 'errorRate',
      },
      {
        metric: 'p95LatencyMs',
        status: 'within',
        test: 'quantile-confidence-sequence',
        effect: { kind: 'ratio', estimate: 1.01, lower: 0.9, upper: 1.12 },
        tolerance: 1.2,
        alpha: 0.025,
        canary: { records: 1600, value: 1840 },
        control: { records: 1600, value: 1822 },
        recordsNeeded: { canary: 0, control: 0 },
        reason: 'p95',
      },
    ],
  };
}

describe('the incident issue', () => {
  it('is the model-quality incident template, every untrusted value escaped (golden)', () => {
    const signal = signalOf(decision('rollback', 8), 'canary.json');
    const body = issueBody(signal, RUN);
    golden('canary-issue', `${issueTitle(signal)}\n\n${body}`);
    expect([...body.matchAll(/^## (.+)$/gm)].map((m) => m[1])).toEqual([...INCIDENT_SECTIONS]);
    // No raw HTML; the mention and the issue reference are broken with a zero-width joiner.
    for (const live of ['<b>', '@oncall', '#12']) expect(body).not.toContain(live);
    expect(parseMarker(body)).toEqual({
      role: 'open',
      fingerprint: signal.fingerprint,
      crossing: ['errorRate'],
      digest: evidenceDigest(signal),
    });
  });

  it('timeline and closing entries (golden)', () => {
    const later = signalOf(decision('rollback', 9), 'canary.json');
    golden('canary-update', updateComment(later, RUN, ['errorRate', 'p95LatencyMs']));
    const recovered = signalOf(decision('within', 14), 'canary.json');
    golden('canary-close', closeComment(recovered, RUN, ['errorRate']));
    expect(parseMarker(closeComment(recovered, RUN, ['errorRate']))?.role).toBe('close');
  });

  it('the fingerprint depends on kind, version ids and the monitored set, not on what crosses or the order', () => {
    const a = signalOf(decision('rollback', 8), 'c.json');
    const b = signalOf(decision('within', 20), 'c.json');
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(fingerprintOf('canary', { canary: 'x', control: 'y' }, ['b', 'a'])).toBe(
      fingerprintOf('canary', { control: 'y', canary: 'x' }, ['a', 'b']),
    );
    expect(fingerprintOf('drift', { canary: 'x', control: 'y' }, ['a', 'b'])).not.toBe(
      fingerprintOf('canary', { canary: 'x', control: 'y' }, ['a', 'b']),
    );
    expect(fingerprintOf('canary', { canary: 'x', control: 'z' }, ['a', 'b'])).not.toBe(
      fingerprintOf('canary', { canary: 'x', control: 'y' }, ['a', 'b']),
    );
  });
});
