import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIBatch, type FakeOpenAIBatch } from '../../../test/helpers/fake-openai-batch.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { loadProject } from '../../config/load.js';
import { prepareTargets } from '../../config/targets.js';
import type { Target } from '../../targets/types.js';
import { createMemoryCache } from '../cache.js';
import { answerInBatches, BatchRunError, type BatchOptions } from './index.js';

const servers: FakeOpenAIBatch[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    expect(s.invalid).toEqual([]);
    await s.close();
  }
});

/** A project of `n` cases on one openai target, loaded with its targets prepared. */
function load(dir: string, url: string, prompt: string, n = 5) {
  const files: Record<string, string> = {
    'evalgate.yml':
      'targets:\n  bot:\n    type: openai\n    baseURL: ${env:FAKE_URL}\n    apiKeyEnv: KEY\n    prompt: p.md\n    model: m.yml\nsuites: [s.yml]\n',
    'p.md': prompt,
    'm.yml': 'model: gpt-4o-mini\n',
    's.yml': `id: s\ncases:\n${Array.from({ length: n }, (_, i) => `  - id: c${i}\n    vars: { q: question ${i} }\n    graders: [{ type: contains, value: question }]\n`).join('')}`,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const env = { FAKE_URL: url, KEY: 'k' };
  const project = loadProject(join(dir, 'evalgate.yml'), { env });
  return { suites: project.suites, targets: prepareTargets(project, project.suites, env) };
}

async function answerOf(targets: Map<string, Target>, i: number, q: string) {
  const t = targets.get('bot')!;
  const request = t.prepare({ suite: 's', caseId: `c${i}`, vars: { q }, tags: {}, sample: 0 });
  return t.invoke(request, { signal: new AbortController().signal, timeoutMs: 1000 });
}

describe('the local Files + Batches server', () => {
  it('answers as the published spec says, and refuses what it refuses', async () => {
    const server = await startFakeOpenAIBatch();
    servers.push(server);
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post('/batches', {
      input_file_id: 'file-x',
      endpoint: '/v1/chat/completions',
      completion_window: '48h',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('/completion_window must be equal to one of the allowed values');
    const form = new FormData();
    form.set('file', new Blob(['{}\n']), 'in.jsonl');
    form.set('purpose', 'batch');
    form.set('colour', 'blue');
    const upload = await fetch(`${server.url}/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: form,
    });
    expect(upload.status).toBe(400); // CreateFileRequest takes no other fields
    expect(server.invalid).toEqual([]);
  });
});

describe('answerInBatches', () => {
  it('a changed request set never reuses the stored batch: a new one is submitted, and answers', async () => {
    const server = await startFakeOpenAIBatch({ hold: true });
    servers.push(server);
    const dir = tempDir('evalgate-batch-unit-');
    const stateFile = join(dir, 'out.json.batch.json');
    const lines: string[] = [];
    const base: Omit<BatchOptions, 'suites' | 'targets'> = {
      cache: null,
      stateFile,
      pollIntervalMs: 5,
      log: (l) => lines.push(l),
    };
    // Interrupted while the first batch is in progress: its state is kept.
    const first = load(dir, server.url, '[user]\n{{q}}\n');
    const stop = new AbortController();
    const running = answerInBatches({ ...base, ...first, signal: stop.signal });
    while ((server.polls.get(server.batches[0]?.id ?? '') ?? 0) < 2)
      await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchRunError);
    expect((error as BatchRunError).interrupted).toBe(true);
    const oldId = server.batches[0]!.id;
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).targets.bot.chunks[0].batchId).toBe(oldId);

    // The prompt changed: every request's key differs from the stored batch's.
    server.release();
    const second = load(dir, server.url, '[user]\nPlease answer: {{q}}\n');
    const done = await answerInBatches({ ...base, ...second });
    expect(server.batches).toHaveLength(2);
    const newId = server.batches[1]!.id;
    expect(done.batches).toEqual({ bot: [newId] });
    expect(lines.join('\n')).toContain(`(${oldId}) was for other requests: submitting these afresh`);
    expect((await answerOf(done.targets, 3, 'question 3')).output.output).toBe(
      'echo: Please answer: question 3',
    );
    // The old request is not answered from the new batch.
    const stale = first.targets
      .get('bot')!
      .prepare({ suite: 's', caseId: 'c3', vars: { q: 'question 3' }, tags: {}, sample: 0 });
    await expect(
      done.targets
        .get('bot')!
        .invoke({ ...stale, sample: 0 }, { signal: new AbortController().signal, timeoutMs: 1000 }),
    ).rejects.toThrow('was not in the batch');
  }, 30_000);

  it('splits requests over batches of at most maxRequestsPerBatch, and maps every answer back', async () => {
    const server = await startFakeOpenAIBatch();
    servers.push(server);
    const dir = tempDir('evalgate-batch-unit-');
    const loaded = load(dir, server.url, '[user]\n{{q}}\n', 5);
    const cache = createMemoryCache();
    const done = await answerInBatches({
      ...loaded,
      cache,
      stateFile: join(dir, 'state.json'),
      pollIntervalMs: 1,
      maxRequestsPerBatch: 2,
      log: () => {},
    });
    expect(server.batches.map((b) => b.request_counts.total)).toEqual([2, 2, 1]);
    // All three submitted before any is polled: they run side by side, not one after another.
    const lastCreate = server.log.lastIndexOf('POST /v1/batches');
    expect(lastCreate).toBeLessThan(server.log.findIndex((l) => l.startsWith('GET /v1/batches/')));
    expect(done.batches.bot).toHaveLength(3);
    for (let i = 0; i < 5; i++)
      expect((await answerOf(done.targets, i, `question ${i}`)).output.output).toBe(`echo: question ${i}`);
  }, 30_000);

  it('a run killed between creating the batch and recording it finds that batch by its input file', async () => {
    const server = await startFakeOpenAIBatch({ hold: true });
    servers.push(server);
    const dir = tempDir('evalgate-batch-unit-');
    const stateFile = join(dir, 'state.json');
    const loaded = load(dir, server.url, '[user]\n{{q}}\n', 2);
    const stop = new AbortController();
    const running = answerInBatches({
      ...loaded,
      cache: null,
      stateFile,
      pollIntervalMs: 5,
      signal: stop.signal,
      log: () => {},
    });
    while (!server.polls.size) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await running.catch(() => {});
    // As if the process died before writing the batch id down.
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    delete state.targets.bot.chunks[0].batchId;
    writeFileSync(stateFile, JSON.stringify(state));

    server.release();
    const lines: string[] = [];
    const done = await answerInBatches({
      ...loaded,
      cache: null,
      stateFile,
      pollIntervalMs: 1,
      log: (l) => lines.push(l),
    });
    expect(server.batches).toHaveLength(1);
    expect(lines.join('\n')).toContain(
      `found ${server.batches[0]!.id}, created on ${server.batches[0]!.input_file_id}`,
    );
    expect((await answerOf(done.targets, 1, 'question 1')).output.output).toBe('echo: question 1');
  }, 30_000);
});
