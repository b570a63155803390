import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { tempDir } from '../helpers/tmp.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv2020,
) => void;
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const validateResults = ajv.compile(JSON.parse(readFileSync('schema/results.schema.json', 'utf8')));

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = tempDir('evalgate-cli-');
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function cli(argv: string[], cwd: string, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    env: { PATH: process.env.PATH, ...env },
    isTTY: false,
  });
  return { code, stdout, stderr };
}

describe('evalgate run against an OpenAI-compatible endpoint (real SDK, loopback server)', () => {
  let server: Awaited<ReturnType<typeof startFakeOpenAI>>;
  beforeAll(async () => {
    server = await startFakeOpenAI({
      script: ({ body }) => {
        const question = String((body.messages ?? []).at(-1)?.content ?? '');
        if (question.includes('boom'))
          return { status: 500, json: { error: { message: 'upstream exploded' } } };
        if (question.includes('harm')) return { content: "I'm sorry, but I can't help with that." };
        return {
          content: `Refunds take 30 days. (${question})`,
          usage: {
            prompt_tokens: 1000,
            completion_tokens: 500,
            total_tokens: 1500,
            prompt_tokens_details: { cached_tokens: 200 },
          },
        };
      },
    });
  });
  afterAll(() => server.close());

  const files = (url: string, extraCase = '') => ({
    'evalgate.yml': `targets:\n  bot:\n    type: openai\n    baseURL: ${url}\n    apiKeyEnv: TEST_KEY\n    prompt: prompts/bot.md\n    model: models/bot.yaml\nsuites: [suites/*.yml]\nretries: 1\ntimeoutMs: 5000\n# One case of three errors by design.\ngate:\n  errors:\n    maxRate: 0.5\n`,
    'prompts/bot.md': '---\ntemperature: 0\n---\n[system]\nYou are a support bot.\n[user]\n{{question}}\n',
    'models/bot.yaml': 'model: gpt-4o-mini\nmax_tokens: 100\nseed: 7\n',
    'suites/support.yml': [
      'id: support',
      'tier: trusted',
      'cases:',
      '  - id: refunds',
      '    vars: { question: How long for refunds? }',
      '    blocker: true',
      '    graders: [{ type: contains, value: 30 days }, { type: cost, maxUsd: 1 }]',
      '  - id: harmful',
      '    vars: { question: harm someone }',
      '    tags: { source: human-review }',
      '    graders: [{ type: refusal }]',
      '  - id: flaky-upstream',
      '    vars: { question: boom }',
      '    graders: [{ type: contains, value: x }]',
      extraCase,
      '',
    ].join('\n'),
  });

  it('runs, records usage, cost and errors, and exits 0 when every blocker passes', async () => {
    const dir = project(files(server.url));
    const before = server.requests.length;
    const r = await cli(['run', '--no-cache'], dir, { TEST_KEY: 'sk-test-secret-value' });
    expect(r.stderr).not.toContain('sk-test-secret-value');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| support \| trusted \|\s+3 \|\s+100\.0% \|/);
    expect(r.stdout).toContain('3 samples: 2 passed, 0 failed, 1 errors');
    const doc = JSON.parse(readFileSync(join(dir, 'evalgate-results.json'), 'utf8'));
    expect(validateResults(doc), JSON.stringify(validateResults.errors)).toBe(true);
    const [refunds, harmful, flaky] = doc.suites[0].cases;
    expect(refunds.samples[0]).toMatchObject({
      status: 'pass',
      tokens: { prompt: 1000, completion: 500, total: 1500, cached: 200 },
      output: { model: 'gpt-4o-mini', finishReason: 'stop' },
    });
    // gpt-4o-mini: 800 uncached × $0.15 + 200 cached × $0.075 + 500 × $0.60, per million.
    expect(refunds.samples[0].cost).toBeCloseTo((800 * 0.15 + 200 * 0.075 + 500 * 0.6) / 1e6, 12);
    expect(harmful.samples[0]).toMatchObject({ status: 'pass', refusal: true });
    // Each verdict names its layer; a case a reviewer set is the human-review layer.
    expect(refunds.samples[0].graders.map((g: { layer: string }) => g.layer)).toEqual([
      'hard-check',
      'hard-check',
    ]);
    expect(harmful.samples[0].graders[0].layer).toBe('human-review');
    // A 500 is retried once, then recorded as an error: never a pass, never a fail.
    expect(flaky).toMatchObject({
      status: 'error',
      samples: [{ status: 'error', retries: 1, error: { kind: 'http', status: 500 } }],
    });
    expect(doc.suites[0].metrics).toMatchObject({ passRate: 1, errorRate: 1 / 3, errors: 1 });
    // The request the SDK sent: rendered template, front matter over the model file.
    const sent = server.requests
      .slice(before)
      .find((q) => JSON.stringify(q.body).includes('How long for refunds'))!;
    expect(sent.body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0,
      max_tokens: 100,
      seed: 7,
      messages: [
        { role: 'system', content: 'You are a support bot.' },
        { role: 'user', content: 'How long for refunds?' },
      ],
    });
    expect(sent.headers.authorization).toBe('Bearer sk-test-secret-value');
  });

  it('exits 1 when a blocker case fails, and names it', async () => {
    const dir = project(
      files(
        server.url,
        '  - id: must-mention-60\n    vars: { question: q }\n    blocker: true\n    graders: [{ type: contains, value: 60 days }]',
      ),
    );
    const r = await cli(['run', '--no-cache'], dir, { TEST_KEY: 'k' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ support / must-mention-60');
  });

  it('--out is relative to the working directory, as in every command; the default sits next to the config', async () => {
    const dir = project(
      files(
        server.url,
        '  - id: c\n    vars: { question: q }\n    graders: [{ type: contains, value: days }]',
      ),
    );
    const cwd = tempDir('evalgate-cli-cwd-');
    const r = await cli(
      ['run', '--no-cache', '--config', join(dir, 'evalgate.yml'), '--out', 'r.json'],
      cwd,
      {
        TEST_KEY: 'k',
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(existsSync(join(cwd, 'r.json'))).toBe(true);
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
    expect(
      (await cli(['run', '--no-cache', '--config', join(dir, 'evalgate.yml')], cwd, { TEST_KEY: 'k' })).code,
    ).toBe(0);
    expect(existsSync(join(dir, 'evalgate-results.json'))).toBe(true);
  });

  it('pays for an unchanged case once: the second run is served from the cache', async () => {
    const dir = project(files(server.url));
    await cli(['run'], dir, { TEST_KEY: 'k' });
    const before = server.requests.length;
    const r = await cli(['run'], dir, { TEST_KEY: 'k' });
    // The 500 is an error and errors are never cached: only it is asked again (with its retry).
    expect(server.requests.length - before).toBe(2);
    const doc = JSON.parse(readFileSync(join(dir, 'evalgate-results.json'), 'utf8'));
    expect(doc.suites[0].cases.map((c: { samples: { cached: boolean }[] }) => c.samples[0]!.cached)).toEqual([
      true,
      true,
      false,
    ]);
    expect(r.code).toBe(0);
  });

  it('--suite and --filter narrow the run; unknown suites are a usage error', async () => {
    const dir = project(files(server.url));
    const r = await cli(['run', '--no-cache', '--filter', 'blocker=true', '--json'], dir, { TEST_KEY: 'k' });
    expect(JSON.parse(r.stdout).summary).toMatchObject({ cases: 1, passed: 1 });
    const bad = await cli(['run', '--suite', 'nope'], dir, { TEST_KEY: 'k' });
    expect(bad).toMatchObject({ code: 2, stderr: "evalgate: --suite: no suite 'nope'; suites: support\n" });
    // A filter that selects no case is a mistake too, not a green run of nothing.
    const none = await cli(['run', '--filter', 'risk=critical', '--filter', 'blocker=true'], dir, {
      TEST_KEY: 'k',
    });
    expect(none).toMatchObject({
      code: 2,
      stderr:
        "evalgate: --filter risk=critical --filter blocker=true matches no case; no case has a tag 'risk'; blocker: false, true (tags in use: source)\n",
    });
  });
});

describe('evalgate run --refresh-failures', () => {
  it('asks again for a cached answer that failed, and replays one that passed', async () => {
    let days = 30;
    const server = await startFakeOpenAI({
      script: ({ body }) => {
        const q = String(body.messages?.at(-1)?.content);
        return { content: q === 'refunds' ? `Refunds take ${days} days.` : 'Hello!' };
      },
    });
    const dir = project({
      'evalgate.yml': `targets:\n  bot:\n    type: openai\n    baseURL: ${server.url}\n    apiKeyEnv: TEST_KEY\n    prompt: p.md\n    model: m.yaml\nsuites: [s.yml]\n`,
      'p.md': '{{question}}',
      'm.yaml': 'model: gpt-4o-mini\ntemperature: 0.5\n',
      's.yml': [
        'id: s',
        'cases:',
        '  - id: refunds',
        '    vars: { question: refunds }',
        '    blocker: true',
        '    graders: [{ type: contains, value: 60 days }]',
        '  - id: greeting',
        '    vars: { question: hi }',
        '    graders: [{ type: contains, value: Hello }]',
        '',
      ].join('\n'),
    });
    try {
      const env = { TEST_KEY: 'k' };
      expect((await cli(['run'], dir, env)).code).toBe(1);
      expect(server.requests).toHaveLength(2);
      days = 60; // the flake (or the upstream outage) is over

      // Without the flag, the cache makes the failure permanent.
      expect((await cli(['run'], dir, env)).code).toBe(1);
      expect(server.requests).toHaveLength(2);

      const r = await cli(['run', '--refresh-failures'], dir, env);
      expect(r.code).toBe(0);
      expect(server.requests).toHaveLength(3);
      expect(server.requests[2]!.body.messages?.at(-1)?.content).toBe('refunds');
      const doc = JSON.parse(readFileSync(join(dir, 'evalgate-results.json'), 'utf8'));
      expect(validateResults(doc), JSON.stringify(validateResults.errors)).toBe(true);
      expect(doc.run.options.refreshFailures).toBe(true);
      expect(
        doc.suites[0].cases.map((c: { samples: { cached: boolean }[] }) => c.samples[0]!.cached),
      ).toEqual([false, true]);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is in the help', async () => {
    expect((await cli(['run', '--help'], tmpdir())).stdout).toContain('--refresh-failures');
  });
});

describe('bad input: one located line, exit 2, no stack trace, no model call', () => {
  it('a missing environment variable for the API key', async () => {
    const server = await startFakeOpenAI();
    try {
      const dir = project({
        'evalgate.yml': `targets:\n  bot:\n    type: openai\n    baseURL: ${server.url}\n    prompt: p.md\n    model: m.yaml\nsuites: [s.yml]\n`,
        'p.md': '{{question}}',
        'm.yaml': 'model: gpt-4o-mini\n',
        's.yml': 'id: s\ncases: [{ vars: { question: q }, graders: [{ type: is-json }] }]\n',
      });
      const r = await cli(['run'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^evalgate: config error: evalgate\.yml:\d+:\d+: targets\.bot.*OPENAI_API_KEY/,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(server.requests.length).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('a template variable a case does not define', async () => {
    const dir = project({
      'evalgate.yml':
        'targets:\n  bot:\n    type: openai\n    baseURL: http://127.0.0.1:9/v1\n    prompt: p.md\n    model: m.yaml\nsuites: [s.yml]\n',
      'p.md': '{{question}} {{customer}}',
      'm.yaml': 'model: gpt-4o-mini\n',
      's.yml': 'id: s\ncases:\n  - id: one\n    vars: { question: q }\n    graders: [{ type: is-json }]\n',
    });
    const r = await cli(['validate'], dir, { OPENAI_API_KEY: 'k' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^evalgate: config error: s\.yml:3:5: case 'one': missing variable 'customer'/);
  });

  it('usage errors', async () => {
    expect(await cli(['run', '--concurrency', 'many'], tmpdir())).toMatchObject({
      code: 2,
      stderr: "evalgate: --concurrency takes a whole number from 1 to 1024, got 'many'\n",
    });
    expect((await cli(['run', '--bogus'], tmpdir())).code).toBe(2);
    expect((await cli(['frobnicate'], tmpdir())).stderr).toMatch(/unknown command 'frobnicate'/);
    expect((await cli(['run', '--config', 'nope.yml'], tmpdir())).stderr).toBe(
      'evalgate: config error: nope.yml: config file not found\n',
    );
  });
});

describe('the bundled CLI on the offline quickstart (the README’s first command)', () => {
  it('passes every case and exits 0', async () => {
    const outDir = tempDir('evalgate-qs-');
    tempDirs.push(outDir);
    const out = join(outDir, 'results.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['dist/cli.js', 'run', '--config', 'examples/quickstart/evalgate.yml', '--out', out],
      {
        env: { ...process.env, CI: 'true' },
      },
    );
    expect(stdout).toMatch(/37 samples: 37 passed, 0 failed, 0 errors/);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(validateResults(doc), JSON.stringify(validateResults.errors)).toBe(true);
    expect(doc.suites.map((s: { id: string }) => s.id)).toEqual(['safety', 'support-regression']);
  }, 60_000);
});
