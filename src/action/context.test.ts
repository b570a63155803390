import { describe, expect, it } from 'vitest';
import { InputError, pullRequestOf, readInputs, reportTargetOf, resolveMode } from './context.js';
import { secretsOf } from './job.js';
import { parseComparisonFile } from './report-mode.js';

const inputs = (values: Record<string, string>) => readInputs((name) => values[name] ?? '');

describe('readInputs', () => {
  it('fills the defaults and splits suites on commas and spaces', () => {
    expect(inputs({ suites: 'a, b  c' })).toEqual({
      config: 'evalgate.yml',
      token: '',
      mode: 'auto',
      base: '',
      suites: ['a', 'b', 'c'],
      comment: true,
      checkName: 'evalgate',
      failOnInconclusive: false,
      workingDirectory: '.',
    });
  });

  it('rejects an unknown mode and a boolean that is not one', () => {
    expect(() => inputs({ mode: 'yolo' })).toThrow(
      /input 'mode' must be one of auto, pr, baseline, full, report/,
    );
    expect(() => inputs({ comment: 'maybe' })).toThrow(/input 'comment' must be true or false, got 'maybe'/);
    expect(inputs({ comment: 'False', 'fail-on-inconclusive': 'TRUE' })).toMatchObject({
      comment: false,
      failOnInconclusive: true,
    });
  });
});

describe('resolveMode', () => {
  const repository = { full_name: 'o/r', default_branch: 'main' };
  it.each([
    ['pull_request', {}, 'pr'],
    ['push', { ref: 'refs/heads/main', repository }, 'baseline'],
    ['push', { ref: 'refs/heads/feature', repository }, 'full'],
    ['workflow_dispatch', {}, 'full'],
    ['schedule', {}, 'full'],
    ['workflow_run', {}, 'report'],
  ] as const)('auto on %s (%j) → %s', (event, payload, mode) => {
    expect(resolveMode('auto', event, payload)).toBe(mode);
  });

  it('an explicit mode wins, except that pull_request_target is refused for anything that runs code', () => {
    expect(resolveMode('baseline', 'pull_request', {})).toBe('baseline');
    for (const mode of ['auto', 'pr', 'baseline', 'full'] as const)
      expect(() => resolveMode(mode, 'pull_request_target', {})).toThrow(
        /refuses to run on `pull_request_target`.*two-workflow pattern/,
      );
    expect(resolveMode('report', 'pull_request_target', {})).toBe('report');
  });

  it('says what to set on an event it cannot map', () => {
    expect(() => resolveMode('auto', 'issue_comment', {})).toThrow(InputError);
    expect(() => resolveMode('auto', 'issue_comment', {})).toThrow(/set `mode`/);
  });
});

describe('the pull request of an event', () => {
  it('pr: number, head and base from the payload; a head in another repository is a fork', () => {
    const payload = {
      repository: { full_name: 'o/r' },
      pull_request: {
        number: 3,
        head: { sha: 'h', repo: { full_name: 'someone/r' } },
        base: { sha: 'b' },
      },
    };
    expect(pullRequestOf(payload)).toEqual({ number: 3, headSha: 'h', baseSha: 'b', fromFork: true });
    expect(() => pullRequestOf({})).toThrow(/needs a `pull_request` event/);
  });

  it('report: the workflow_run’s first pull request and head sha', () => {
    expect(reportTargetOf({ workflow_run: { head_sha: 'h', pull_requests: [{ number: 9 }] } })).toEqual({
      number: 9,
      headSha: 'h',
    });
    // GitHub leaves pull_requests empty for some fork PRs: the caller recovers the number.
    expect(reportTargetOf({ workflow_run: { head_sha: 'h', pull_requests: [] } })).toEqual({ headSha: 'h' });
    expect(() => reportTargetOf({})).toThrow(/run it on `workflow_run`/);
  });
});

describe('secretsOf', () => {
  it('finds apiKeyEnv values and ${env:NAME} references anywhere in the config, set ones only', () => {
    const config = {
      targets: {
        a: { type: 'openai', apiKeyEnv: 'OPENAI_API_KEY', headers: { 'x-key': 'Bearer ${env:HEADER_KEY}' } },
        b: { type: 'command', command: ['x'], env: { TOKEN: '${env:CMD_TOKEN}', BAD: '${env:oops' } },
        c: { type: 'http', url: 'https://h/${env:UNSET}' },
      },
      graders: [{ judge: { apiKeyEnv: 'JUDGE_KEY' } }],
    };
    const env = { OPENAI_API_KEY: 'k1', HEADER_KEY: 'k2', CMD_TOKEN: 'k3', JUDGE_KEY: 'k4', OTHER: 'no' };
    expect(secretsOf(config, env).sort()).toEqual(['k1', 'k2', 'k3', 'k4']);
  });
});

describe('parseComparisonFile', () => {
  it('refuses what is not a comparison of this version', () => {
    expect(() => parseComparisonFile('nope')).toThrow(/is not JSON/);
    expect(() => parseComparisonFile('{"schemaVersion":1,"verdict":"pass"}')).toThrow(
      /not a comparison of this evalgate version/,
    );
  });
});
