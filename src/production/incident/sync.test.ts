import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  startFakeGitHub,
  type FakeGitHub,
} from '../../../test/helpers/fake-github.js';
import { createGitHubClient } from '../../github/index.js';
import type { CanaryDecision, MetricDecision, MetricStatus } from '../canary/decide.js';
import { createIncidentGitHub, type IncidentGitHub } from './github.js';
import { INCIDENT_SECTIONS, parseMarker } from './render.js';
import { signalOf } from './signal.js';
import { DEFAULT_INCIDENT_LABEL, syncIncident } from './sync.js';

let github: FakeGitHub;
let gh: IncidentGitHub;

beforeEach(async () => {
  github = await startFakeGitHub();
  const octokit = createGitHubClient({
    token: DEFAULT_TOKEN,
    baseUrl: github.url,
    msPerSecond: 5,
    spaceWrites: false,
  });
  gh = createIncidentGitHub(octokit, { owner: DEFAULT_OWNER, repo: DEFAULT_REPO });
});

afterEach(async () => {
  expect(github.responseViolations).toEqual([]);
  await github.close();
});

function metric(name: MetricDecision['metric'], status: MetricStatus, canaryEvents: number): MetricDecision {
  return {
    metric: name,
    status,
    test: 'conditional-binomial-sequential',
    effect: { kind: 'ratio', estimate: canaryEvents / 10, lower: canaryEvents / 20, upper: canaryEvents / 5 },
    tolerance: 1.2,
    alpha: 0.025,
    canary: { records: 1000, events: canaryEvents, value: canaryEvents / 1000 },
    control: { records: 1000, events: 10, value: 0.01 },
    recordsNeeded: { canary: 0, control: 0 },
    reason: `${name} ${status}`,
  };
}

function decision(
  look: number,
  errors: [MetricStatus, number],
  safety: [MetricStatus, number] = ['within', 0],
): CanaryDecision {
  const metrics = [metric('errorRate', ...errors), metric('safetyEvents', ...safety)];
  return {
    schema: 'evalgate.canary-decision',
    schemaVersion: 1,
    decision: metrics.some((m) => m.status === 'rollback') ? 'rollback' : 'promote',
    canary: 'sys-canary-2b',
    control: 'sys-control-1a',
    look,
    alpha: 0.05,
    records: { canary: 1000, control: 1000 },
    recordsNeeded: { canary: 0, control: 0 },
    reasons: ['error rate ×3 beyond the tolerated ×1.2 <img src=x> @someone'],
    metrics,
  };
}

const sync = (d: CanaryDecision, at = '2026-12-07T05:00:00.000Z') =>
  syncIncident(gh, signalOf(d, 'canary.json'), { at });

const issues = () => [...github.state.repo().issueRecords.values()];
const commentsOn = (n: number) => github.state.repo().commentsOn(n);

describe('incident sync against the OpenAPI-validated fake GitHub', () => {
  it('opens one issue from the template, adds to its timeline, then closes it on recovery', async () => {
    const opened = await sync(decision(3, ['rollback', 30]));
    expect(opened.action).toBe('opened');
    expect(issues()).toHaveLength(1);
    const [issue] = issues();
    expect(issue!.labels).toEqual([DEFAULT_INCIDENT_LABEL]);
    expect(issue!.title).toContain('errorRate');
    // The template's sections, in order, exactly these headings.
    const headings = [...issue!.body.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([...INCIDENT_SECTIONS]);
    expect(issue!.body).toContain('`sys-canary-2b`');
    expect(issue!.body).toContain('look 3');
    // Untrusted text from the report is escaped: no raw HTML, no live mention.
    expect(issue!.body).not.toContain('<img');
    expect(issue!.body).not.toContain('@someone');
    expect(parseMarker(issue!.body)).toMatchObject({ role: 'open', crossing: ['errorRate'] });

    // The same evidence again: nothing to add.
    expect((await sync(decision(3, ['rollback', 30]))).action).toBe('unchanged');
    expect(commentsOn(issue!.number)).toHaveLength(0);

    // A later look: a timeline comment on the same issue, naming what newly crosses.
    const later = await sync(decision(4, ['rollback', 40], ['rollback', 5]));
    expect(later).toMatchObject({ action: 'updated', issue: { number: issue!.number } });
    expect(issues()).toHaveLength(1);
    expect(commentsOn(issue!.number)).toHaveLength(1);
    expect(commentsOn(issue!.number)[0]!.body).toMatch(/Newly crossing: `safetyEvents`/);

    // Error rate back, safety not yet known: stays open.
    const partly = await sync(decision(5, ['within', 10], ['undecided', 1]));
    expect(partly.action).toBe('updated');
    expect(issues()[0]!.state).toBe('open');

    // Every metric that ever crossed is back within its trigger: closed as completed.
    const recovered = await sync(decision(6, ['within', 10], ['within', 0]));
    expect(recovered).toMatchObject({ action: 'closed', issue: { number: issue!.number } });
    expect(issues()[0]).toMatchObject({ state: 'closed', stateReason: 'completed' });
    expect(commentsOn(issue!.number).at(-1)!.body).toMatch(/Recovered/);

    // Nothing crosses and nothing is open: no call writes anything.
    const writes = github.requests.filter((r) => r.method !== 'GET').length;
    expect((await sync(decision(7, ['within', 10]))).action).toBe('none');
    expect(github.requests.filter((r) => r.method !== 'GET').length).toBe(writes);

    // Every request the incident workflow made was one GitHub's description allows.
    expect(github.requests.every((r) => r.route !== undefined && (r.status ?? 500) < 400)).toBe(true);
  });

  it('two concurrent runs that both found no issue leave one open issue: the newer closes itself as a duplicate', async () => {
    // Hold both runs after their listing and before creating, so both create.
    let arrived = 0;
    let release!: () => void;
    const bothListed = new Promise<void>((r) => (release = r));
    const beforeCreate = async () => {
      if (++arrived === 2) release();
      await bothListed;
    };
    const signal = signalOf(decision(3, ['rollback', 30]), 'canary.json');
    const [a, b] = await Promise.all([
      syncIncident(gh, signal, { at: '2026-12-07T05:00:00.000Z', beforeCreate }),
      syncIncident(gh, signal, { at: '2026-12-07T05:00:00.000Z', beforeCreate }),
    ]);
    expect(github.requests.filter((r) => r.route === 'POST /repos/{owner}/{repo}/issues')).toHaveLength(2);
    const all = issues().sort((x, y) => x.number - y.number);
    expect(all).toHaveLength(2);
    const [older, newer] = all as [(typeof all)[0], (typeof all)[0]];
    expect(older.state).toBe('open');
    expect(newer).toMatchObject({ state: 'closed', stateReason: 'duplicate' });
    expect(commentsOn(newer.number).map((c) => c.body)).toEqual([
      expect.stringMatching(new RegExp(`^Duplicate of #${older.number}\\b`)),
    ]);
    // One run kept the issue it opened; the other reports the survivor and the duplicate it closed.
    const outcomes = [a, b].sort((x, y) => x.action.localeCompare(y.action));
    expect(outcomes[0]).toMatchObject({
      action: 'opened',
      issue: { number: older.number },
      duplicatesClosed: [],
    });
    expect(outcomes[1]).toMatchObject({
      action: 'unchanged',
      issue: { number: older.number },
      duplicatesClosed: [newer.number],
    });

    // The next run updates the survivor only.
    expect(await sync(decision(4, ['rollback', 45]))).toMatchObject({
      action: 'updated',
      issue: { number: older.number },
    });
    expect(commentsOn(newer.number)).toHaveLength(1);
  });

  it('a duplicate a crashed run left behind is closed by the next run', async () => {
    const signal = signalOf(decision(3, ['rollback', 30]), 'canary.json');
    await syncIncident(gh, signal, { at: '2026-12-07T05:00:00.000Z' });
    // A run that created its issue and died before listing again.
    const { data } = await createIssueDirectly(issues()[0]!.body);
    const next = await sync(decision(4, ['rollback', 40]));
    expect(next).toMatchObject({ action: 'updated', duplicatesClosed: [data.number] });
    expect(issues().filter((i) => i.state === 'open')).toHaveLength(1);
  });

  it('finds its issue among more than a page of incident issues', async () => {
    const repo = github.state.repo();
    for (let n = 1; n <= 130; n++)
      repo.issueRecords.set(n, {
        number: n,
        title: `other incident ${n}`,
        body: `<!-- evalgate-incident:v1 role=open fingerprint=${n.toString(16).padStart(16, '0')} crossing=x digest=0000000000000000 -->`,
        state: 'open',
        stateReason: null,
        labels: [DEFAULT_INCIDENT_LABEL],
        user: github.state.user('someone'),
        createdAt: '2026-12-01T00:00:00Z',
        updatedAt: '2026-12-01T00:00:00Z',
        closedAt: null,
      });
    const first = await sync(decision(3, ['rollback', 30]));
    expect(first).toMatchObject({ action: 'opened', issue: { number: 131 } });
    // Listed newest first, 100 a page: the incident's issue is on page 1 now; push it to page 2.
    for (let n = 132; n <= 240; n++) repo.issueRecords.set(n, { ...repo.issueRecords.get(1)!, number: n });
    expect(await sync(decision(4, ['rollback', 40]))).toMatchObject({
      action: 'updated',
      issue: { number: 131 },
    });
    expect(
      github.requests.filter((r) => r.route === 'GET /repos/{owner}/{repo}/issues' && r.query.page === '2')
        .length,
    ).toBeGreaterThan(0);
  });

  it('a drift report: the scope names the version ids, and a too-few-records window never closes the incident', async () => {
    const drift = (
      status: 'alarm' | 'stable' | 'too-few-records',
      feature: 'alarm' | 'stable' | 'too-few-records',
    ) => ({
      schemaVersion: 1,
      status,
      alpha: 0.01,
      minRecords: 200,
      windows: { reference: 5000, current: 5000 },
      alarms: feature === 'alarm' ? ['outputLength'] : [],
      features: [
        {
          feature: 'outputLength',
          kind: 'numeric',
          status: feature,
          records: { reference: 5000, current: 5000 },
          effect: { measure: 'psi', value: 0.4, threshold: 0.2 },
          chi2: 300,
          df: 9,
          p: 1e-9,
          pAdjusted: 1e-8,
          reference: 'median 220',
          current: 'median 90',
          cells: [],
        },
      ],
    });
    const scope = { system: 'sys-9f' };
    const at = '2026-12-07T05:00:00.000Z';
    expect(
      (await syncIncident(gh, signalOf(drift('alarm', 'alarm'), 'drift.json', scope), { at })).action,
    ).toBe('opened');
    expect(issues()[0]!.body).toContain('`sys-9f`');
    expect(
      (await syncIncident(gh, signalOf(drift('too-few-records', 'stable'), 'drift.json', scope), { at }))
        .action,
    ).toBe('updated');
    expect(issues()[0]!.state).toBe('open');
    expect(
      (await syncIncident(gh, signalOf(drift('stable', 'stable'), 'drift.json', scope), { at })).action,
    ).toBe('closed');
    // Another system's drift is another incident.
    expect(signalOf(drift('alarm', 'alarm'), 'drift.json', { system: 'sys-10' }).fingerprint).not.toBe(
      signalOf(drift('alarm', 'alarm'), 'drift.json', scope).fingerprint,
    );
  });

  it("ignores markers in other people's comments: a forged entry cannot hold the incident open", async () => {
    const opened = await sync(decision(3, ['rollback', 30]));
    const repo = github.state.repo();
    const at = '2026-12-07T05:01:00Z';
    repo.comments.push({
      id: github.state.nextId(),
      issueNumber: opened.issue!.number,
      body: `<!-- evalgate-incident:v1 role=update fingerprint=${opened.fingerprint} crossing=neverRecovers digest=0000000000000000 -->`,
      user: github.state.user('mallory'),
      createdAt: at,
      updatedAt: at,
      htmlUrl: 'https://example.invalid/c',
    });
    expect((await sync(decision(4, ['within', 10], ['within', 0]))).action).toBe('closed');
  });

  it('fails, naming the permission, when GitHub drops the label (the issue could never be found again)', async () => {
    const dropping: IncidentGitHub = {
      ...gh,
      createIssue: async (input) => ({ ...(await gh.createIssue(input)), labels: [] }),
    };
    await expect(
      syncIncident(dropping, signalOf(decision(3, ['rollback', 30]), 'canary.json'), {
        at: '2026-12-07T05:00:00Z',
      }),
    ).rejects.toThrow(/without the label 'evalgate-incident'.*issues: write/);
  });

  it('refuses a report it cannot read, before any call', async () => {
    expect(() => signalOf({ schema: 'evalgate.canary-decision', schemaVersion: 2 }, 'c.json')).toThrow(
      /schemaVersion 2/,
    );
    expect(() => signalOf({ hello: 1 }, 'x.json')).toThrow(/neither a canary decision .* nor a drift report/);
    const bad = decision(1, ['rollback', 3]);
    (bad.metrics[0] as { metric: string }).metric = 'error rate <b>';
    expect(() => signalOf(bad, 'c.json')).toThrow(/not a trigger name/);
    expect(github.requests).toHaveLength(0);
  });
});

async function createIssueDirectly(body: string) {
  const octokit = createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: github.url, spaceWrites: false });
  return octokit.rest.issues.create({
    owner: DEFAULT_OWNER,
    repo: DEFAULT_REPO,
    title: 'dup',
    body,
    labels: [DEFAULT_INCIDENT_LABEL],
  });
}
