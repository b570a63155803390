import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepo, type TempRepo } from '../../../test/helpers/git.js';
import { formatPlanJson, readPlan } from '../../plan/document.js';
import { planFromGit } from '../../plan/plan.js';
import { main } from '../main.js';
import type { CliIO } from '../types.js';

function cli(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, env: {}, isTTY: false };
  return {
    run: (...argv: string[]) => main(['plan', ...argv], io),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('evalgate plan', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = createFixtureRepo();
    repo.branch('feature');
    repo.write({
      'models/support.yml': 'model: gpt-4o-mini\ntemperature: 0.2\nmax_tokens: 400\n',
      'README.md': '# Demo project, with more words\n',
      'config/app.yml':
        '# application settings\nretrieval: { top_k: 5, index: docs-v3, embedding_model: text-embedding-3-small }\nllm: { model: gpt-4o-mini, temperature: 0.1 }\nlogging: { level: info }\n',
    });
    repo.commit('feature');
  });

  it('prints the plan for people: changes, files, suites and why', async () => {
    const plan = await planFromGit({ cwd: repo.dir, base: 'main' });
    const { old, new: now } = plan.changes[0]!;
    const io = cli(repo.dir);
    expect(await io.run('--base', 'main')).toBe(0);
    expect(io.stdout()).toBe(
      `evalgate plan: main (${repo.sha('main').slice(0, 7)})...HEAD (${repo.sha('HEAD').slice(0, 7)}), merge base ${repo.sha('main').slice(0, 7)}
3 of 5 suites affected by 1 change

Changes:
  model      support.model  ${old} → ${now}  models/support.yml  (3 of 3 rendered requests changed)

Files:
  M README.md           not part of any component
  M config/app.yml      no semantic change
  M models/support.yml  support.model

Suites to run (3 of 5):
  docs        model support.model changed ${old} → ${now}
  safety      safety suite: model support.model changed ${old} → ${now}
  support-qa  model support.model changed ${old} → ${now}

Not affected: billing-qa, rag-qa

Estimated before running: 4 calls, 101 prompt tokens, 1700 completion tokens, at most $0.00578
  support (openai gpt-4o-mini): 3 calls, 82 + 1200 tokens, $0.000732
  billing (openai gpt-4o): 1 call, 19 + 500 tokens, $0.00505
`,
    );
    // Counted without the API key, which the plan job may not have.
    expect(io.stderr()).toBe('');
  });

  it('--json prints the Plan document; --out writes it for `evalgate run --plan`', async () => {
    const io = cli(repo.dir);
    expect(await io.run('--base', 'main', '--head', 'feature', '--json', '--out', 'plan.json')).toBe(0);
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'feature' });
    expect(io.stdout()).toBe(formatPlanJson(plan));
    expect(readPlan(join(repo.dir, 'plan.json'))).toEqual(plan);
  });

  it('an unknown base is a clear error, exit 2, no stack trace', async () => {
    const io = cli(repo.dir);
    expect(await io.run('--base', 'origin/main')).toBe(2);
    expect(io.stderr()).toBe(
      "evalgate: config error: base ref 'origin/main' is not in this clone. In GitHub Actions, set `fetch-depth: 0` " +
        'on actions/checkout so branches and history are there; elsewhere fetch it first: `git fetch origin main`.\n',
    );
    expect(io.stdout()).toBe('');
  });

  it('usage errors exit 2', async () => {
    const missing = cli(repo.dir);
    expect(await missing.run()).toBe(2);
    expect(missing.stderr()).toBe(
      'evalgate: plan needs --base REF: the branch the change is against, e.g. --base origin/main\n',
    );
    const unknown = cli(repo.dir);
    expect(await unknown.run('--base', 'main', '--since', 'yesterday')).toBe(2);
    expect(unknown.stderr()).toMatch(/^evalgate: .*'--since'/);
  });

  it('a config error at head points at the file and line', async () => {
    repo.branch('broken', 'main');
    repo.write({ 'evalgate.yml': 'targets:\n  bot: [unclosed\nsuites: []\n' });
    repo.commit('broken');
    repo.checkout('feature');
    const io = cli(repo.dir);
    expect(await io.run('--base', 'main', '--head', 'broken')).toBe(2);
    expect(io.stderr()).toMatch(/^evalgate: config error: evalgate\.yml:3:1: invalid YAML: /);
  });

  it('--help explains the options', async () => {
    const io = cli(repo.dir);
    expect(await io.run('--help')).toBe(0);
    expect(io.stdout()).toMatch(/^Usage: evalgate plan --base REF/);
  });
});
