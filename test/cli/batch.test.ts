import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  startFakeOpenAIBatch,
  type FakeBatchOptions,
  type FakeOpenAIBatch,
} from '../helpers/fake-openai-batch.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '../..');

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv2020,
) => void;
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const validateResults = ajv.compile(JSON.parse(readFileSync('schema/results.schema.json', 'utf8')));

const KEY = 'sk-batch-test-secret';

const servers: { close(): Promise<void> }[] = [];
const batchServers: FakeOpenAIBatch[] = [];
afterEach(async () => {
  // Every File, Batch and list the local server answered held to the published spec.
  for (const s of batchServers.splice(0)) expect(s.invalid).toEqual([]);
  for (const s of servers.splice(0)) await s.close();
});

async function batchServer(options: FakeBatchOptions = {}): Promise<FakeOpenAIBatch> {
  const server = await startFakeOpenAIBatch(options);
  servers.push(server);
  batchServers.push(server);
  return server;
}

/** A project whose one openai target talks to `FAKE_URL`: four cases, one sampled twice. */
function project(extra: Record<string, string> = {}): string {
  const dir = tempDir('evalgate-batch-');
  const files: Record<string, string> = {
    'evalgate.yml': [
      'targets:',
      '  bot:',
      '    type: openai',
      '    baseURL: ${env:FAKE_URL}',
      '    apiKeyEnv: TEST_KEY',
      '    prompt: prompts/bot.md',
      '    model: models/bot.yaml',
      'suites: [suites/*.yml]',
      'retries: 1',
      'gate:',
      '  errors:',
      '    maxRate: 1',
      '',
    ].join('\n'),
    'prompts/bot.md': '[system]\nYou are a support bot.\n[user]\n{{question}}\n',
    'models/bot.yaml': 'model: gpt-4o-mini\ntemperature: 0.7\nseed: 7\n',
    'suites/support.yml': [
      'id: support',
      'cases:',
      '  - id: refunds',
      '    vars: { question: How long for refunds? }',
      '    graders: [{ type: contains, value: refunds }]',
      '  - id: shipping',
      '    vars: { question: Where is my parcel? }',
      '    repeat: 2',
      '    graders: [{ type: contains, value: parcel }]',
      '  - id: wrong',
      '    vars: { question: Say hello }',
      '    graders: [{ type: contains, value: goodbye }]',
      '  - id: rejected',
      '    vars: { question: reject me }',
      '    graders: [{ type: contains, value: me }]',
      '',
    ].join('\n'),
    ...extra,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const env = (server: { url: string }) => ({ FAKE_URL: server.url, TEST_KEY: KEY });
const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'evalgate-results.json'), 'utf8'));
const sampleOf = (doc: { suites: { cases: { id: string; samples: unknown[] }[] }[] }, id: string, i = 0) =>
  doc.suites[0]!.cases.find((c) => c.id === id)!.samples[i] as Record<string, unknown>;

/** The fake's default answer to a request: 400 for "reject me", else an echo. */
const rejecting: FakeBatchOptions['script'] = ({ body }) =>
  JSON.stringify(body.messages).includes('reject me') ? { status: 400 } : undefined;

describe('evalgate run --batch (real SDK, local Files + Batches server)', () => {
  it('sends every request in one batch, grades the mapped answers and prices them at the batch price', async () => {
    const server = await batchServer({ script: rejecting });
    const dir = project();
    const r = await runCli(['run', '--batch', '--batch-poll-interval', '0.01'], dir, env(server));
    expect(r.code, r.stdout + r.stderr).toBe(0); // no blockers; errors allowed (gate.errors.maxRate 1)
    expect(r.stderr).not.toContain(KEY);

    // One upload (purpose batch), one batch, on the spec's endpoint and window.
    expect(server.files.filter((f) => f.purpose === 'batch')).toHaveLength(1);
    expect(server.batches).toHaveLength(1);
    const [batch] = server.batches;
    expect(batch).toMatchObject({
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      status: 'completed',
    });
    const input = server.files[0]!.content.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Five samples (shipping twice, with its own seed each), as the live run would send them.
    expect(input).toHaveLength(5);
    expect(input[0]).toEqual({
      custom_id: 'r0',
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        temperature: 0.7,
        seed: expect.any(Number),
        messages: [
          { role: 'system', content: 'You are a support bot.' },
          { role: 'user', content: 'How long for refunds?' },
        ],
      },
    });
    const seeds = input.map((l) => l.body.seed);
    expect(seeds[1]).not.toBe(seeds[2]); // shipping's two samples: a seed each, as live
    expect(seeds[1]).toBe(seeds[0]);
    // Progress on stderr: the batch id and its status changes.
    expect(r.stderr).toContain(`created ${batch!.id}`);
    for (const status of ['validating', 'in_progress', 'finalizing', 'completed'])
      expect(r.stderr).toContain(`${batch!.id}: ${status}`);

    const doc = results(dir);
    expect(validateResults(doc), JSON.stringify(validateResults.errors)).toBe(true);
    expect(doc.run.options.batch).toEqual({ batches: [batch!.id] });
    expect(sampleOf(doc, 'refunds')).toMatchObject({
      status: 'pass',
      output: { output: 'echo: How long for refunds?', model: 'gpt-4o-mini', requestId: 'req_fake_batch_0' },
    });
    expect(sampleOf(doc, 'shipping', 1)).toMatchObject({ status: 'pass', index: 1 });
    expect(sampleOf(doc, 'wrong')).toMatchObject({ status: 'fail' });
    expect(sampleOf(doc, 'rejected')).toMatchObject({
      status: 'error',
      retries: 0,
      error: { kind: 'http', status: 400 },
    });
    // gpt-4o-mini at half its list price ($0.15 / $0.60 per million).
    const refunds = sampleOf(doc, 'refunds') as {
      tokens: { prompt: number; completion: number };
      cost: number;
    };
    expect(refunds.cost).toBeCloseTo(
      (refunds.tokens.prompt * 0.075 + refunds.tokens.completion * 0.3) / 1e6,
      12,
    );
    // A complete run leaves no batch state behind (nor a journal).
    expect(existsSync(join(dir, 'evalgate-results.json.batch.json'))).toBe(false);
    expect(existsSync(join(dir, 'evalgate-results.json.journal'))).toBe(false);

    // The answers went to the response cache, like live ones: a second run sends nothing.
    const again = await runCli(['run', '--batch', '--batch-poll-interval', '0.01'], dir, env(server));
    expect(again.code).toBe(0);
    expect(server.batches).toHaveLength(2); // only the errored request was sent again
    const resent = server.files
      .filter((f) => f.purpose === 'batch')[1]!
      .content.trim()
      .split('\n');
    expect(resent).toHaveLength(1);
    expect(resent[0]).toContain('reject me');
  }, 30_000);

  it('a line missing from the output is an error, never a pass; the rest of the run goes on', async () => {
    const server = await batchServer({
      omit: ({ body }) => JSON.stringify(body.messages).includes('refunds'),
    });
    const dir = project();
    const r = await runCli(
      ['run', '--batch', '--batch-poll-interval', '0.01', '--no-cache'],
      dir,
      env(server),
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = results(dir);
    expect(sampleOf(doc, 'refunds')).toMatchObject({
      status: 'error',
      error: {
        kind: 'unknown',
        message: expect.stringContaining('has no line for this request (custom_id r0)'),
      },
    });
    expect(sampleOf(doc, 'shipping')).toMatchObject({ status: 'pass' });
    expect(doc.summary).toMatchObject({ samples: 5, passed: 3, failed: 1, errors: 1 });
  }, 30_000);

  it('an expired batch: its answered requests are graded, the unfinished ones recorded as errors', async () => {
    const server = await batchServer({ expireAfter: 2 });
    const dir = project();
    const r = await runCli(['run', '--batch', '--batch-poll-interval', '0.01'], dir, env(server));
    expect(r.code, r.stderr).toBe(0);
    expect(server.batches[0]!.status).toBe('expired');
    expect(r.stderr).toMatch(
      /warning: batch_fake\d+ expired: 2 answered, 3 not \(recorded as errors; run again to send only those\)/,
    );
    const doc = results(dir);
    expect(sampleOf(doc, 'refunds')).toMatchObject({ status: 'pass' });
    expect(sampleOf(doc, 'shipping')).toMatchObject({ status: 'pass' });
    for (const [id, i] of [
      ['shipping', 1],
      ['wrong', 0],
      ['rejected', 0],
    ] as const)
      expect(sampleOf(doc, id, i)).toMatchObject({
        status: 'error',
        error: { kind: 'timeout', message: expect.stringContaining('batch_expired') },
      });
    // Run again: the two answers come from the cache; only the three unfinished are sent.
    const again = await runCli(['run', '--batch', '--batch-poll-interval', '0.01'], dir, env(server));
    expect(again.stderr).toContain('bot: 3 requests to send (2 answered from the cache)');
  }, 30_000);

  it('a failed batch: every request is an error with the reason, and the run fails closed', async () => {
    const message = 'Enqueued token limit reached for gpt-4o-mini in organization org-fake.';
    const server = await batchServer({ failWith: { code: 'token_limit_exceeded', message } });
    const dir = project();
    const config = join(dir, 'evalgate.yml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('maxRate: 1', 'maxRate: 0.1'));
    const r = await runCli(['run', '--batch', '--batch-poll-interval', '0.01'], dir, env(server));
    expect(r.code).toBe(1); // every sample errored: above gate.errors.maxRate
    expect(server.batches[0]!.status).toBe('failed');
    expect(r.stderr).toContain(
      `warning: ${server.batches[0]!.id} failed: ${message}: its 5 requests are errors`,
    );
    const doc = results(dir);
    expect(doc.summary).toMatchObject({ samples: 5, passed: 0, errors: 5 });
    expect(sampleOf(doc, 'refunds')).toMatchObject({
      status: 'error',
      error: { message: `batch ${server.batches[0]!.id} failed: ${message} (token_limit_exceeded)` },
    });
  }, 30_000);

  it('refuses a non-openai target (exit 2) before sending anything', async () => {
    const server = await batchServer();
    const dir = project({
      'evalgate.yml': [
        'targets:',
        '  bot:',
        '    type: openai',
        '    baseURL: ${env:FAKE_URL}',
        '    apiKeyEnv: TEST_KEY',
        '    prompt: prompts/bot.md',
        '    model: models/bot.yaml',
        '  app:',
        '    type: command',
        '    command: [node, -e, "console.log(1)"]',
        'suites: [suites/*.yml]',
        '',
      ].join('\n'),
      'suites/support.yml': `target: bot\n${readFileSync(join(project(), 'suites/support.yml'), 'utf8')}`,
      'suites/app.yml':
        'id: app\ntarget: app\ncases:\n  - id: one\n    graders: [{ type: contains, value: "1" }]\n',
    });
    const r = await runCli(['run', '--batch'], dir, env(server));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("every suite's target must be an openai target; not 'app' (command)");
    expect(server.log).toEqual([]);
    // The openai suites alone may go.
    const ok = await runCli(
      ['run', '--batch', '--batch-poll-interval', '0.01', '--suite', 'support'],
      dir,
      env(server),
    );
    expect(ok.code, ok.stderr).toBe(0);
    // Options a batch run cannot take are usage errors too.
    expect((await runCli(['run', '--batch', '--base', 'main'], dir, env(server))).code).toBe(2);
    expect((await runCli(['run', '--batch-poll-interval', '5'], dir, env(server))).stderr).toContain(
      '--batch-poll-interval goes with --batch',
    );
    expect((await runCli(['run', '--batch', '--batch-poll-interval', '0'], dir, env(server))).code).toBe(2);
  }, 30_000);

  it('the estimate and budget.maxCostUSD use the batch price', async () => {
    const server = await batchServer();
    const dir = project();
    const config = join(dir, 'evalgate.yml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}budget: { maxCostUSD: 0.0000001 }\n`);
    const cost = (stderr: string) => Number(/would cost (?:up to|about) \$([\d.]+)/.exec(stderr)?.[1]);
    const batch = await runCli(['run', '--batch'], dir, env(server));
    const live = await runCli(['run'], dir, env(server));
    expect([batch.code, live.code]).toEqual([2, 2]);
    expect(cost(batch.stderr)).toBeGreaterThan(0);
    expect(cost(batch.stderr)).toBeCloseTo(cost(live.stderr) / 2, 5); // as printed, rounded;
    expect(server.log).toEqual([]); // refused before anything was sent
  }, 30_000);

  it('an interrupted or killed run resumes polling the same batch: one upload, one batch created, nothing sent twice', async () => {
    // The CLI as users run it, built from these sources, in its own process: stopped for real.
    const build = tempDir('evalgate-batch-build-');
    execFileSync(process.execPath, ['scripts/build.mjs', join(build, 'dist')], { cwd: ROOT, stdio: 'pipe' });
    const server = await batchServer({ hold: true, script: rejecting });
    const dir = project();
    const start = () => {
      const child = spawn(
        process.execPath,
        [join(build, 'dist/cli.js'), 'run', '--batch', '--batch-poll-interval', '0.02'],
        { cwd: dir, env: { PATH: process.env.PATH, ...env(server) }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      return { child, exited, stderr: () => stderr };
    };
    const polls = () => server.polls.get(server.batches[0]?.id ?? '') ?? 0;

    // Ctrl-C while it polls a batch still in progress: exit 130, the state kept.
    const first = start();
    await until(() => polls() >= 2);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    const batchId = server.batches[0]!.id;
    expect(first.stderr()).toContain(`created ${batchId}`);
    expect(first.stderr()).toContain(
      'the batch keeps running at the provider: run the same command again to resume it',
    );
    const stateFile = join(dir, 'evalgate-results.json.batch.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(state.targets.bot.chunks).toEqual([
      { start: 0, end: 5, inputFileId: server.batches[0]!.input_file_id, batchId },
    ]);

    // Started again, it polls the same batch; killed (-9) while it does.
    const polled = polls();
    const second = start();
    await until(() => polls() >= polled + 2);
    second.child.kill('SIGKILL');
    await second.exited;
    expect(second.stderr()).toContain(`resuming ${batchId}`);
    expect(existsSync(join(dir, 'evalgate-results.json'))).toBe(false);

    // And once more, to the end.
    server.release();
    const r = await runCli(['run', '--batch', '--batch-poll-interval', '0.01'], dir, env(server));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resuming ${batchId}`);
    expect(server.log.filter((l) => l === 'POST /v1/batches')).toHaveLength(1);
    expect(server.log.filter((l) => l === 'POST /v1/files')).toHaveLength(1);
    expect(server.log.filter((l) => l.includes('chat/completions'))).toEqual([]); // nothing sent live
    const doc = results(dir);
    expect(validateResults(doc), JSON.stringify(validateResults.errors)).toBe(true);
    expect(doc.summary).toMatchObject({ samples: 5, passed: 3, failed: 1, errors: 1 });
    expect(existsSync(stateFile)).toBe(false);
  }, 120_000);
});

/** Waits, without assuming any speed, for `ready` (checked every 20 ms; fails after 60 s). */
async function until(ready: () => boolean): Promise<void> {
  for (let waited = 0; !ready(); waited += 20) {
    if (waited > 60_000) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
