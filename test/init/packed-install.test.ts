import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

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
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

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

// The application under test: reads its prompt file and answers every question with it. It
// refuses the harmful-requests pack by the suite id in the request, so the safety packs pass
// at first and a prompt edit can break them.
const BOT = `import { readFileSync } from 'node:fs';
const input = JSON.parse(readFileSync(0, 'utf8'));
const prompt = readFileSync(new URL('./prompts/greeting.md', import.meta.url), 'utf8').trim();
const output = input.suite === 'evalgate:harmful-requests'
  ? "I'm sorry, but I can't help with that."
  : prompt + ' You asked: ' + (input.vars.question ?? '');
process.stdout.write(JSON.stringify({ output }));
`;

describe('the packed package in a fresh repository', () => {
  it('installs offline, then init, validate, run, baseline save and run --base reach a verdict', () => {
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
    writeFileSync(join(app, 'bot.mjs'), BOT);
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
      'command',
      '--command',
      'node bot.mjs',
    );
    expect(init).toContain('command target (found 1 prompt file, 0 model files)');
    // The packs' 400-odd cases give the latency comparison the power to see a loaded machine's
    // process start-up slowing between two runs; latency is not what this test checks.
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
