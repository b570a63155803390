import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUsd } from '../../src/compare/format.js';
import { readPlan } from '../../src/plan/document.js';
import type { Plan } from '../../src/plan/types.js';
import { runCli } from '../helpers/cli.js';
import { startFakeOpenAI } from '../helpers/fake-openai.js';
import { createRepo } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Cost before spending: `run --estimate` and `budget.maxCostUSD` against a real run of an
 * `openai` target (the real SDK, a loopback server that reports the usage it was sent).
 */

const cli = (argv: string[], cwd: string) => runCli(argv, cwd, { TEST_KEY: 'sk-test' });

const QUESTIONS = ['How long do refunds take?', 'Can I change my delivery address after ordering?', 'Hi'];
const SYSTEM = 'You are a support bot. Answer in one sentence, citing the policy.';

/** What the chat format costs in prompt tokens, worked out apart from evalgate's code. */
function promptTokens(question: string): number {
  const message = (role: string, text: string) => 3 + o200k(`${role}${text}`);
  return 3 + message('system', SYSTEM) + message('user', question);
}

describe('cost before spending', () => {
  let server: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let dir: string;
  beforeAll(async () => {
    server = await startFakeOpenAI({
      script: ({ body }) => {
        const question = String(body.messages?.at(-1)?.content ?? '');
        const prompt = promptTokens(question);
        return {
          content: 'Refunds take 30 days.',
          usage: { prompt_tokens: prompt, completion_tokens: 7, total_tokens: prompt + 7 },
        };
      },
    });
    dir = tempDir('evalgate-budget-');
    const files: Record<string, string> = {
      'prompts/bot.md': `[system]\n${SYSTEM}\n[user]\n{{question}}\n`,
      'models/bot.yaml': 'model: gpt-4o-mini\nmax_tokens: 50\n',
      'suites/support.yml': [
        'id: support',
        'repeat: 2',
        'cases:',
        ...QUESTIONS.map(
          (q, i) =>
            `  - { id: q${i}, vars: { question: "${q}" }, graders: [{ type: contains, value: days }] }`,
        ),
        '',
      ].join('\n'),
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (extra: string) =>
    writeFileSync(
      join(dir, 'evalgate.yml'),
      `targets:\n  bot:\n    type: openai\n    baseURL: ${server.url}\n    apiKeyEnv: TEST_KEY\n    prompt: prompts/bot.md\n    model: models/bot.yaml\nsuites: [suites/*.yml]\ncache: { enabled: false }\n${extra}`,
    );

  it('counts the prompt tokens the run will send, caps completions at max_tokens, and prices them as an upper bound', async () => {
    config('');
    const r = await cli(['run', '--estimate'], dir);
    expect(r.code, r.stderr).toBe(0);
    const prompt = QUESTIONS.reduce((n, q) => n + 2 * promptTokens(q), 0);
    const completion = QUESTIONS.length * 2 * 50;
    // gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
    const usd = (prompt * 0.15 + completion * 0.6) / 1e6;
    expect(r.stderr).toContain(
      `Estimated before running: 6 calls, ${prompt} prompt tokens, ${completion} completion tokens, at most $`,
    );
    expect(r.stderr).toContain(`bot (openai gpt-4o-mini): 6 calls, ${prompt} + ${completion} tokens`);
    // The run's real prompt tokens are what was estimated; its cost is below the ceiling.
    const doc = JSON.parse(readFileSync(join(dir, 'evalgate-results.json'), 'utf8')) as {
      summary: { cost: number };
      suites: { metrics: { tokens: { prompt: number } } }[];
    };
    expect(doc.suites[0]!.metrics.tokens.prompt).toBe(prompt);
    expect(doc.summary.cost).toBeLessThanOrEqual(usd);
  });

  it('refuses a run over budget.maxCostUSD before calling the model: exit 2, the reason, no request sent', async () => {
    config('budget: { maxCostUSD: 0.00001 }\n');
    const before = server.requests.length;
    const r = await cli(['run'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /the run would cost up to \$[0-9.]+, above budget\.maxCostUSD \$0\.00001: nothing was run/,
    );
    expect(server.requests.length).toBe(before);

    config('budget: { maxCostUSD: 1 }\n');
    const ok = await cli(['run'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('Estimated before running: 6 calls');
    expect(server.requests.length).toBe(before + 6);
  });

  it('refuses a budget it cannot check: a model without a price sends nothing, and says how to fix it', async () => {
    config('budget: { maxCostUSD: 1 }\n');
    writeFileSync(join(dir, 'models/bot.yaml'), 'model: llama-local\nmax_tokens: 50\n');
    try {
      const before = server.requests.length;
      const r = await cli(['run'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        "budget.maxCostUSD is $1.00, but 6 calls to 'llama-local' cannot be priced: nothing was run. Add the model to `prices`",
      );
      expect(server.requests.length).toBe(before);
      // The approximate-tokenizer note is said once, not once a case.
      const estimate = await cli(['run', '--estimate'], dir);
      expect(estimate.stderr.split("'llama-local' is not an OpenAI model").length - 1).toBe(1);
      // Priced, the same run goes ahead.
      config('budget: { maxCostUSD: 1 }\nprices: { llama-local: { input: 0.1, output: 0.1 } }\n');
      expect((await cli(['run'], dir)).code).toBe(0);
    } finally {
      writeFileSync(join(dir, 'models/bot.yaml'), 'model: gpt-4o-mini\nmax_tokens: 50\n');
    }
  });

  it('rejects a budget that is not a positive number with its file:line:col', async () => {
    config('budget: { maxCostUSD: -3 }\n');
    const r = await cli(['run'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/evalgate\.yml:\d+:\d+: budget\.maxCostUSD/);
  });
});

/**
 * The budget holds what a run will send: calls the response cache answers cost nothing. The
 * cache is the one a real run wrote (the real SDK against the loopback server), and the
 * requests the server received say what each run really sent.
 */
describe('cost before spending, with the response cache', () => {
  let server: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let dir: string;
  // gpt-4o-mini: $0.15 in, $0.60 out per million tokens; completions capped at 50 tokens.
  const callsCost = (samples: number) =>
    QUESTIONS.reduce((usd, q) => usd + samples * (promptTokens(q) * 0.15 + 50 * 0.6), 0) / 1e6;
  beforeAll(async () => {
    server = await startFakeOpenAI({ script: () => ({ content: 'Refunds take 30 days.' }) });
    dir = tempDir('evalgate-budget-cache-');
    mkdirSync(join(dir, 'prompts'));
    mkdirSync(join(dir, 'models'));
    mkdirSync(join(dir, 'suites'));
    writeFileSync(join(dir, 'prompts/bot.md'), `[system]\n${SYSTEM}\n[user]\n{{question}}\n`);
    writeFileSync(join(dir, 'models/bot.yaml'), 'model: gpt-4o-mini\nmax_tokens: 50\n');
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // `failing`: the index of a case whose grader the cached answer fails.
  const project = (repeat: number, maxCostUSD: number, failing?: number) => {
    writeFileSync(
      join(dir, 'evalgate.yml'),
      `targets:\n  bot:\n    type: openai\n    baseURL: ${server.url}\n    apiKeyEnv: TEST_KEY\n    prompt: prompts/bot.md\n    model: models/bot.yaml\nsuites: [suites/*.yml]\ncache: { enabled: true, dir: .cache }\nbudget: { maxCostUSD: ${maxCostUSD} }\n`,
    );
    writeFileSync(
      join(dir, 'suites/support.yml'),
      [
        'id: support',
        `repeat: ${repeat}`,
        'cases:',
        ...QUESTIONS.map(
          (q, i) =>
            `  - { id: q${i}, vars: { question: "${q}" }, graders: [{ type: contains, value: ${i === failing ? 'weeks' : 'days'} }] }`,
        ),
        '',
      ].join('\n'),
    );
  };
  const refusal =
    /evalgate: the run would cost up to (\$[0-9.]+), above budget\.maxCostUSD \$[0-9.]+: nothing was run/;

  // One sequence: each step's cache is the one the steps before it wrote.
  it('prices only the calls the cache will not answer: a cached re-run goes ahead over budget, half cached is half the cost', async () => {
    // Nothing cached yet: everything is to send.
    project(2, 1);
    const first = await cli(['run'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`, at most ${formatUsd(callsCost(2))}\n`);
    expect(first.stderr).not.toContain('from the cache');
    expect(server.requests.length).toBe(6);

    // Fully cached, under a budget the uncached run is far above: it runs, and sends nothing.
    project(2, callsCost(2) / 100);
    const cached = await cli(['run'], dir);
    expect(cached.code, cached.stderr).toBe(0);
    expect(cached.stderr).toContain(
      `at most ${formatUsd(callsCost(2))}; 6 answered from the cache, at most $0 to send`,
    );
    expect(cached.stderr).toContain('bot (openai gpt-4o-mini): 6 calls (6 from the cache), ');
    expect(server.requests.length).toBe(6);

    // repeat 4: samples 0 and 1 are cached, 2 and 3 are not; the cost to send is half.
    project(4, callsCost(4) / 4);
    const half = await cli(['run'], dir);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain(
      `at most ${formatUsd(callsCost(4))}; 6 answered from the cache, at most ${formatUsd(callsCost(2))} to send`,
    );
    expect(refusal.exec(half.stderr)?.[1]).toBe(formatUsd(callsCost(2)));
    expect(server.requests.length).toBe(6);
    // A budget above the half that is to send and below the whole: it runs, and sends that half.
    project(4, (callsCost(4) * 3) / 4);
    const ran = await cli(['run'], dir);
    expect(ran.code, ran.stderr).toBe(0);
    expect(server.requests.length).toBe(12);
    expect(new Set(server.requests.slice(6).map((r) => String(r.body.messages?.at(-1)?.content))).size).toBe(
      3,
    );

    // --no-cache: nothing is answered from the cache, so everything is priced; refused.
    const uncached = await cli(['run', '--no-cache'], dir);
    expect(uncached.code).toBe(2);
    expect(uncached.stderr).toContain(`12 calls, `);
    expect(uncached.stderr).not.toContain('from the cache');
    expect(refusal.exec(uncached.stderr)?.[1]).toBe(formatUsd(callsCost(4)));
    expect(server.requests.length).toBe(12);
  });

  it('counts as sent what the cache will not answer: an unreadable entry, a cached failure a run refreshes', async () => {
    project(4, 1);
    expect((await cli(['run'], dir)).code).toBe(0); // everything cached (a repeat of the test above is harmless)
    const sent = server.requests.length;
    project(4, callsCost(4) / 100);
    expect((await cli(['run'], dir)).code).toBe(0);

    // One entry torn: that sample is to send, and priced at its question's price.
    const files = readdirSync(join(dir, '.cache')).flatMap((d) =>
      readdirSync(join(dir, '.cache', d)).map((f) => join(dir, '.cache', d, f)),
    );
    expect(files).toHaveLength(12);
    const torn = files[0]!;
    const entry = readFileSync(torn, 'utf8');
    writeFileSync(torn, entry.slice(0, entry.length / 2));
    const r = await cli(['run', '--estimate'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('11 answered from the cache');
    // The entry's key does not say which question it answers: the cost is one of theirs.
    const oneCall = QUESTIONS.map((q) => formatUsd((promptTokens(q) * 0.15 + 50 * 0.6) / 1e6));
    expect(oneCall).toContain(refusal.exec(r.stderr)?.[1]);
    // No cache where the config says: nothing is answered from it.
    rmSync(join(dir, '.cache'), { recursive: true });
    writeFileSync(join(dir, '.cache'), 'not a directory');
    const none = await cli(['run'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).not.toContain('from the cache');
    expect(refusal.exec(none.stderr)?.[1]).toBe(formatUsd(callsCost(4)));
    rmSync(join(dir, '.cache'));

    // --refresh-failures asks again for a cached answer that fails its graders: the case
    // whose grader now wants 'weeks' is to send, the cached passes are not.
    project(4, 1);
    expect((await cli(['run'], dir)).code).toBe(0);
    expect(server.requests.length).toBe(sent + 12);
    project(4, callsCost(4) / 100);
    const passes = await cli(['run', '--refresh-failures'], dir);
    expect(passes.code, passes.stderr).toBe(0);
    expect(passes.stderr).toContain('12 answered from the cache, at most $0 to send');
    project(4, callsCost(4) / 100, 2);
    // Without --refresh-failures the failing answers are replayed from the cache like the rest.
    expect((await cli(['run'], dir)).stderr).toMatch(/12\/12 samples .*· 4 failed · 0 errors · 12 cached/);
    const refresh = await cli(['run', '--refresh-failures'], dir);
    expect(refresh.code).toBe(2);
    expect(refresh.stderr).toContain('8 answered from the cache');
    expect(refusal.exec(refresh.stderr)?.[1]).toBe(
      formatUsd((4 * (promptTokens(QUESTIONS[2]!) * 0.15 + 50 * 0.6)) / 1e6),
    );
    expect(server.requests.length).toBe(sent + 12);
    // Within budget, the run sends exactly what was estimated: that case's 4 samples.
    project(4, 1, 2);
    expect((await cli(['run', '--refresh-failures'], dir)).code).not.toBe(2);
    expect(server.requests.length).toBe(sent + 16);
  });

  it('a command target is looked up as the runner looks it up: cached only with `cache: true`, under its system version', async () => {
    const work = tempDir('evalgate-budget-command-');
    const write = (cache: string, answer: string) => {
      writeFileSync(
        join(work, 'evalgate.yml'),
        `targets:\n  app: { type: command, command: [node, app.cjs], components: [answers]${cache} }\ncomponents:\n  answers: { kind: prompt, paths: [answers.txt] }\nsuites: [suites/*.yml]\ncache: { enabled: true, dir: .cache }\n`,
      );
      writeFileSync(join(work, 'answers.txt'), answer);
    };
    mkdirSync(join(work, 'suites'));
    writeFileSync(
      join(work, 'app.cjs'),
      "process.stdin.resume().on('end', () => process.stdout.write(JSON.stringify({ output: require('node:fs').readFileSync('answers.txt', 'utf8') })));\n",
    );
    writeFileSync(
      join(work, 'suites/s.yml'),
      'id: s\nrepeat: 2\ncases:\n  - { id: a, vars: { q: a }, graders: [{ type: contains, value: days }] }\n  - { id: b, vars: { q: b }, graders: [{ type: contains, value: days }] }\n',
    );
    // What the estimate said the cache answers, and what the run then took from it.
    const run = async () => {
      const r = await cli(['run', '--estimate'], work);
      expect(r.code, r.stderr).toBe(0);
      return {
        estimated: Number(/; (\d+) answered from the cache/.exec(r.stderr)?.[1] ?? 0),
        replayed: Number(/4\/4 samples .* (\d+) cached/.exec(r.stderr)?.[1]),
      };
    };
    write(', cache: true', '30 days');
    expect(await run()).toEqual({ estimated: 0, replayed: 0 });
    expect(await run()).toEqual({ estimated: 4, replayed: 4 });
    // A changed component is a new system version: the runner misses the cache, and so does the estimate.
    write(', cache: true', '31 days');
    expect(await run()).toEqual({ estimated: 0, replayed: 0 });
    expect(await run()).toEqual({ estimated: 4, replayed: 4 });
    // Without `cache: true` a command target is never answered from the cache.
    write('', '31 days');
    expect(await run()).toEqual({ estimated: 0, replayed: 0 });
  });

  it('evalgate plan shows the calls the cache answers and what the rest cost to send, in its text and its JSON', async () => {
    const repo = createRepo();
    const config = (maxCostUSD: number) =>
      `targets:\n  bot:\n    type: openai\n    baseURL: ${server.url}\n    apiKeyEnv: TEST_KEY\n    prompt: prompts/bot.md\n    model: models/bot.yaml\nsuites: [suites/*.yml]\ncache: { enabled: true, dir: .cache }\nbudget: { maxCostUSD: ${maxCostUSD} }\n`;
    const suite = (questions: string[]) =>
      [
        'id: support',
        'repeat: 2',
        'cases:',
        ...questions.map(
          (q, i) =>
            `  - { id: q${i}, vars: { question: "${q}" }, graders: [{ type: contains, value: days }] }`,
        ),
        '',
      ].join('\n');
    repo.write({
      '.gitignore': '.cache/\nevalgate-results.json*\n',
      'evalgate.yml': config(1),
      'prompts/bot.md': `[system]\n${SYSTEM}\n[user]\n{{question}}\n`,
      'models/bot.yaml': 'model: gpt-4o-mini\nmax_tokens: 50\n',
      'suites/support.yml': suite(QUESTIONS.slice(0, 2)),
    });
    repo.commit('base');
    repo.branch('change');
    // The change adds a case; a run at head caches the first two cases' answers beforehand.
    expect((await cli(['run'], repo.dir)).code).toBe(0);
    repo.write({ 'evalgate.yml': config(callsCost(2) / 100), 'suites/support.yml': suite(QUESTIONS) });
    repo.commit('one more case');
    const one = (q: string) => (2 * (promptTokens(q) * 0.15 + 50 * 0.6)) / 1e6;
    const sent = server.requests.length;

    const plan = await cli(['plan', '--base', 'main', '--json'], repo.dir);
    expect(plan.code, plan.stderr).toBe(0);
    const estimate = (JSON.parse(plan.stdout) as Plan).estimate!;
    expect(estimate).toMatchObject({
      calls: 6,
      cacheChecked: true,
      cachedCalls: 4,
      maxCostUSD: callsCost(2) / 100,
    });
    expect(estimate.costUSD).toBeCloseTo(callsCost(2), 12);
    expect(estimate.costToSendUSD).toBeCloseTo(one(QUESTIONS[2]!), 12);
    expect(estimate.targets[0]).toMatchObject({ calls: 6, cachedCalls: 4 });
    expect(estimate.refused).toMatch(/^the run would cost up to /);
    const text = await cli(['plan', '--base', 'main'], repo.dir);
    expect(text.stdout).toContain(
      `6 calls, ${[...QUESTIONS].reduce((n, q) => n + 2 * promptTokens(q), 0)} prompt tokens, 300 completion tokens, at most ${formatUsd(callsCost(2))}; 4 answered from the cache, at most ${formatUsd(one(QUESTIONS[2]!))} to send`,
    );

    // --no-cache: nothing answered from the cache.
    const uncached = await cli(['plan', '--base', 'main', '--json', '--no-cache'], repo.dir);
    expect((JSON.parse(uncached.stdout) as Plan).estimate).toMatchObject({
      cacheChecked: false,
      cachedCalls: 0,
      costToSendUSD: estimate.costUSD,
    });

    // A plan written before the cache was counted (no cache fields) is still read.
    const old = JSON.parse(plan.stdout) as Plan;
    for (const key of ['cacheChecked', 'cachedCalls', 'costToSendUSD'] as const) delete old.estimate![key];
    for (const t of old.estimate!.targets) {
      delete t.cachedCalls;
      delete t.costToSendUSD;
    }
    const file = join(repo.dir, 'old-plan.json');
    writeFileSync(file, JSON.stringify(old));
    expect(readPlan(file).estimate).toEqual(old.estimate);
    expect(server.requests.length).toBe(sent);
  });
});
