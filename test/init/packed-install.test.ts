import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/**
 * The first hour of a user, end to end, with the package as npm ships it: build the sources
 * into a staging copy (never over the committed dist/), `npm pack` it, install the tarball
 * offline into a fresh git repository, and there run `evalgate init`, `validate`, `run`,
 * `baseline save`, then change a prompt on a branch and gate it with `run --base main`.
 *
 * Offline install proves the package has no runtime dependencies (dist/ is bundled), and the
 * staging copy holds only what package.json's `files` lists, so a file the CLI reads at
 * runtime but the package leaves out (the packs in suites/, say) fails here.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STEP_TIMEOUT_MS = 240_000; // a generous bound per command: this machine may be loaded

const tmp = mkdtempSync(join(tmpdir(), 'evalgate-packed-'));
const stops: (() => void)[] = [];
afterAll(() => {
  for (const stop of stops) stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A child environment with no trace of this project's own settings, and a fixed git identity. */
const ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(EVALGATE_|npm_|GIT_|CI$)/i.test(k))),
  GIT_AUTHOR_NAME: 'evalgate tests',
  GIT_AUTHOR_EMAIL: 'tests@evalgate.invalid',
  GIT_COMMITTER_NAME: 'evalgate tests',
  GIT_COMMITTER_EMAIL: 'tests@evalgate.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

function sh(cwd: string, cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, { cwd, env: ENV, encoding: 'utf8', timeout: STEP_TIMEOUT_MS });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

/** Runs a command that must succeed; its output is in the failure message when it does not. */
function ok(cwd: string, cmd: string, ...args: string[]): string {
  const r = sh(cwd, cmd, ...args);
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.all}`).toBe(0);
  return r.stdout;
}

// The application under test, the team's own HTTP service: it reads its prompt file on every
// request and answers every question with it, and refuses the questions of the
// harmful-requests pack (listed for it in harmful.json by question and context), so the safety packs pass at first and
// a prompt edit can break them. One long-lived process rather than one per case: 400-odd pack
// cases a run, four runs.
const APP = `import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const harmful = new Set(JSON.parse(readFileSync(new URL('./harmful.json', import.meta.url), 'utf8')));
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d)).on('end', () => {
    const { question = '', context = '' } = JSON.parse(body || '{}');
    const prompt = readFileSync(new URL('./prompts/greeting.md', import.meta.url), 'utf8').trim();
    const output = harmful.has(JSON.stringify([question, context])) ? "I'm sorry, but I can't help with that." : prompt + ' You asked: ' + question;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ output }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

/** Starts the app; resolves with its URL once it listens. */
function startApp(dir: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['server.mjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) =>
      resolve({ url: `http://127.0.0.1:${d.toString().trim()}/ask`, stop: () => child.kill() }),
    );
  });
}

describe('the packed package in a fresh repository', () => {
  it('installs offline, then init, validate, run, baseline save and run --base reach a verdict', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
      files: string[];
      dependencies?: Record<string, string>;
    };
    expect(pkg.dependencies ?? {}, 'dist/ is bundled: the package needs no runtime dependencies').toEqual({});

    // Stage: package.json, README and what `files` lists, with dist/ freshly built into it.
    const stage = join(tmp, 'stage');
    mkdirSync(stage);
    for (const f of ['package.json', 'README.md', ...pkg.files.filter((f) => f !== 'dist')])
      cpSync(join(ROOT, f), join(stage, f), { recursive: true });
    ok(ROOT, process.execPath, 'scripts/build.mjs', join(stage, 'dist'));
    const packed = JSON.parse(ok(tmp, 'npm', 'pack', stage, '--pack-destination', tmp, '--json')) as {
      filename: string;
      files: { path: string }[];
    }[];
    const tarball = join(tmp, packed[0]!.filename);
    const paths = packed[0]!.files.map((f) => f.path);
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('suites/prompt-injection.yml');
    expect(paths.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false);

    // A user's repository, with an app and a prompt, and nothing of evalgate.
    const app = join(tmp, 'app');
    mkdirSync(join(app, 'prompts'), { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'my-app', version: '1.0.0', private: true }),
    );
    writeFileSync(
      join(app, '.gitignore'),
      'node_modules/\nevalgate-results.json\nevalgate-comparison.json\n.evalgate/\n',
    );
    writeFileSync(join(app, 'server.mjs'), APP);
    const pack = parseYaml(readFileSync(join(ROOT, 'suites', 'harmful-requests.yml'), 'utf8')) as {
      cases: { vars: { question: string; context?: string } }[];
    };
    // A question and its context: one question ("respond to the ticket below") is asked of both packs.
    writeFileSync(
      join(app, 'harmful.json'),
      JSON.stringify(pack.cases.map((c) => JSON.stringify([c.vars.question, c.vars.context ?? '']))),
    );
    const server = await startApp(app);
    stops.push(server.stop);
    writeFileSync(join(app, 'prompts/greeting.md'), 'Hello! Happy to help.\n');
    ok(app, 'git', 'init', '-q', '-b', 'main');
    ok(app, 'npm', 'install', '--offline', '--no-audit', '--no-fund', '--save-dev', tarball);
    expect(ok(app, 'npx', '--offline', 'evalgate', '--version')).toBe(`${pkg.version}\n`);

    const init = ok(
      app,
      'npx',
      '--offline',
      'evalgate',
      'init',
      '--yes',
      '--target',
      'http',
      '--url',
      server.url,
    );
    expect(init).toContain('http target (found 1 prompt file, 0 model files)');
    // The packs' 400-odd cases give the latency comparison the power to see a loaded machine
    // slowing between two runs; latency is not what this test checks.
    appendFileSync(
      join(app, 'evalgate.yml'),
      'gate:\n  budgets:\n    latencyP95: { maxIncreasePct: null }\n',
    );
    expect(init).toContain('wrote           .github/workflows/evalgate.yml');
    expect(ok(app, 'npx', '--offline', 'evalgate', 'validate')).toBe('ok: 5 suites, 426 cases, 1 target\n');
    expect(ok(app, 'npx', '--offline', 'evalgate', 'run')).toContain(
      '426 samples: 426 passed, 0 failed, 0 errors',
    );
    ok(app, 'git', 'add', '.');
    ok(app, 'git', 'commit', '-q', '-m', 'Add evalgate');
    expect(ok(app, 'npx', '--offline', 'evalgate', 'baseline', 'save')).toContain('Saved 5 baselines');

    // A harmless prompt edit on a branch: planned from the diff, compared, passed.
    ok(app, 'git', 'checkout', '-q', '-b', 'friendlier');
    writeFileSync(join(app, 'prompts/greeting.md'), 'Hi there, glad you asked.\n');
    ok(app, 'git', 'commit', '-q', '-am', 'Friendlier greeting');
    const pass = sh(app, 'npx', '--offline', 'evalgate', 'run', '--base', 'main');
    expect(pass.status, pass.all).toBe(0);
    expect(pass.all).toMatch(/prompt +prompts .*→/);
    const passed = JSON.parse(readFileSync(join(app, 'evalgate-comparison.json'), 'utf8')) as {
      verdict: string;
      reasons: { level: string; metric?: string }[];
    };
    // The bot is a process started per case: on a busy machine its latency alone can move
    // between two runs, which the gate may warn about (never fail on). Nothing else may.
    const moved = passed.reasons.filter(
      (r) => r.level !== 'info' && !(r.level === 'warn' && /latency/i.test(r.metric ?? '')),
    );
    expect(moved, pass.stdout).toEqual([]);
    expect(['pass', 'warn']).toContain(passed.verdict);
    expect(pass.stdout).toMatch(/evalgate: (pass|warn)/);

    // A prompt that refuses everything: the over-refusal pack's blockers fail, so the gate does.
    writeFileSync(join(app, 'prompts/greeting.md'), "I'm sorry, but I can't help with that.\n");
    ok(app, 'git', 'commit', '-q', '-am', 'Cautious greeting');
    const fail = sh(app, 'npx', '--offline', 'evalgate', 'run', '--base', 'main');
    expect(fail.status, fail.all).toBe(1);
    expect(fail.stdout).toContain('## ❌ evalgate: fail');
    expect(fail.stdout).toContain('evalgate:over-refusal');
    const failed = JSON.parse(readFileSync(join(app, 'evalgate-comparison.json'), 'utf8')) as {
      verdict: string;
    };
    expect(failed.verdict).toBe('fail');
  }, 900_000);
});
