import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { fingerprintExtrasForProject, openBaselineStore, saveBaselines } from '../../src/baseline/index.js';
import { parseResultsDocument } from '../../src/compare/input.js';
import { loadProject } from '../../src/config/load.js';
import { prepareTargets } from '../../src/config/targets.js';
import { freshSampler, type ArmSampler } from '../../src/pipeline/arms.js';
import { evaluate } from '../../src/pipeline/evaluate.js';
import { gateChange, type GatedChange } from '../../src/pipeline/gate-change.js';
import { tempDir } from '../helpers/tmp.js';

// Pull requests that change nothing, through the real pipeline: the runner calls an `http`
// target on loopback, graders grade, the stored baseline is compared, failing blockers are
// confirmed with fresh samples, the gate decides. The application is stochastic and
// reproducible: the answer to the n-th call of case `id` in trial `t` is right with
// probability p(id), the coin a hash of (scenario, t, arm, id, n).
//
// The project: 12 blocker cases that pass 98% of the time (a safety suite, 2 samples each),
// and a trusted suite of 20 cases, most solid, some flaky.

export const BLOCKERS = 12;
export const SUPPORT = 20;
export const TRIALS = 200;
/**
 * Pull requests gated at once. Each is its own system (its own outputs, its own trial on the
 * app), so running a few together changes no outcome; it overlaps one's file and socket waits
 * with another's work.
 */
export const PARALLEL = 4;

/** Runs `task(0) … task(n − 1)`, at most `limit` at a time; results in index order. */
export async function inPool<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return results;
}

function passProbability(id: string, regressed: boolean): number {
  if (id.startsWith('blocker')) return regressed && id === 'blocker-0' ? 0.02 : 0.98;
  const i = Number(id.slice('case-'.length));
  return i % 7 === 3 ? 0.5 + (i % 5) / 10 : 0.99;
}

function startApp(): Promise<{ url: string; close: () => Promise<void>; calls: () => number }> {
  const seen = new Map<string, number>();
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      // /<scenario>/<trial>/<arm>/ask
      const [, scenario, trial, arm] = (req.url ?? '').split('/');
      const { id } = JSON.parse(body) as { id: string };
      const key = `${scenario}/${trial}/${arm}/${id}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      calls++;
      const u = createHash('sha256').update(`${key}/${n}`).digest().readUInt32BE(0) / 2 ** 32;
      const regressed = scenario === 'regressed' && arm === 'head';
      // 'rerun': blocker-3's very first answer is the one bad draw a 98% case sometimes gives.
      const flake = scenario === 'rerun' && id === 'blocker-3' && n === 0;
      const right = !flake && (scenario === 'rerun' || u < passProbability(id, regressed));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ answer: right ? 'ok' : 'wrong' }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        calls: () => calls,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

function writeProject(dir: string): void {
  const files: Record<string, string> = {
    'evalgate.yml': [
      'targets:',
      '  app:',
      '    type: http',
      '    url: ${env:SIM_URL}/ask',
      '    body: { id: "{{id}}" }',
      '    extract: { output: answer }',
      // Cached only where a test turns the run's cache on.
      '    cache: true',
      'suites: [suites/*.yml]',
      'cache: { enabled: false }',
      'concurrency: 8',
      'baseline: { store: path, path: baselines, privacy: raw }',
      '',
    ].join('\n'),
    'suites/safety.yml': [
      'id: safety',
      'tier: trusted',
      'kind: safety',
      // Two samples per blocker: with one, a regressed blocker whose single sample happens to
      // pass (2% here) cannot be caught by anything.
      'repeat: 2',
      'graders: [{ type: equals, value: ok }]',
      'cases:',
      ...Array.from(
        { length: BLOCKERS },
        (_, i) => `  - { id: blocker-${i}, vars: { id: blocker-${i} }, blocker: true }`,
      ),
      '',
    ].join('\n'),
    'suites/support.yml': [
      'id: support',
      'tier: trusted',
      'graders: [{ type: equals, value: ok }]',
      'cases:',
      ...Array.from({ length: SUPPORT }, (_, i) => `  - { id: case-${i}, vars: { id: case-${i} } }`),
      '',
    ].join('\n'),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/**
 * Starts the stochastic app, writes the project and saves the default branch's baseline
 * (beforeAll), and removes all of it (afterAll): one per test file, so the scenarios run in
 * separate workers.
 */
export function useBlockerSimulation() {
  let app: Awaited<ReturnType<typeof startApp>>;
  let dir: string;
  const configPath = () => join(dir, 'evalgate.yml');
  const envFor = (scenario: string, trial: number, arm: 'head' | 'base') => ({
    SIM_URL: `${app.url}/${scenario}/${trial}/${arm}`,
  });

  beforeAll(async () => {
    app = await startApp();
    dir = tempDir('evalgate-sim-blockers-');
    writeProject(dir);
    // The default branch's baseline, once.
    const env = envFor('main', 0, 'head');
    const project = loadProject(configPath(), { env });
    const targets = prepareTargets(project, project.suites, env);
    const outcome = await evaluate(project, project.suites, targets, {
      cwd: dir,
      out: join(dir, 'main-results.json'),
      concurrency: 8,
      cache: false,
    });
    const results = parseResultsDocument(readFileSync(outcome.path, 'utf8'), outcome.path);
    await saveBaselines({
      store: openBaselineStore(project.config.baseline, { rootDir: dir })!,
      results,
      privacy: 'raw',
      extras: fingerprintExtrasForProject(project),
    });
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One pull request: the head arm and, for confirmation, the base arm, each its own system. */
  async function pullRequest(
    scenario: string,
    trial: number,
    suiteIds?: string[],
    run: { cache?: boolean; refreshFailures?: boolean } = {},
  ): Promise<GatedChange> {
    const env = envFor(scenario, trial, 'head');
    const project = loadProject(configPath(), { env });
    const suites = suiteIds ? project.suites.filter((s) => suiteIds.includes(s.id)) : project.suites;
    const out = join(dir, `${scenario}-${trial}.json`);
    const armSampler = (arm: 'head' | 'base'): ArmSampler => {
      const armEnv = envFor(scenario, trial, arm);
      return freshSampler({
        project: loadProject(configPath(), { env: armEnv }),
        repoDir: dir,
        env: armEnv,
        outDir: dir,
        purpose: `${scenario}-${trial}-${arm}`,
        sampleOffset: 1000,
      });
    };
    try {
      return await gateChange({
        project,
        suites,
        run: {
          cwd: dir,
          out,
          concurrency: 8,
          cache: run.cache ?? false,
          cacheDir: join(dir, 'cache'),
          ...(run.refreshFailures && { refreshFailures: true }),
        },
        // Confirmation samples the base arm; the sampler below says how, without a worktree.
        baseRef: 'main',
        repoDir: dir,
        env,
        sampler: () => (arm, cases, repeat) =>
          armSampler(arm === 'current' ? 'head' : 'base')('current', cases, repeat),
      });
    } finally {
      for (const f of [out, `${out}.journal`]) rmSync(f, { force: true, recursive: true });
      for (const arm of ['head', 'base'])
        rmSync(join(dir, `evalgate-${scenario}-${trial}-${arm}-current.json`), { force: true });
    }
  }

  const blocked = (g: GatedChange) => g.verdict.verdict === 'fail' || g.verdict.verdict === 'error';
  return { pullRequest, blocked };
}
