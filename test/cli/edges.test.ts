import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The CLI's edges as a user meets them: what a config error, a failing run and a help
 * request print, and with which exit code. Goldens in __golden__/ show the exact text;
 * regenerate with UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = tempDir('evalgate-edges-');
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function cli(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    env: { PATH: process.env.PATH },
    isTTY: false,
  });
  return { code, stdout, stderr };
}

function golden(name: string, actual: string): void {
  const file = join(import.meta.dirname, '__golden__', name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

// Four lines, its code declared so change detection sees it (validate warns otherwise).
const COMMAND_TARGET =
  'targets:\n  bot: { type: command, command: [node, bot.mjs] }\n# its code: bot.mjs\ncomponents: { bot-code: { kind: code, paths: [bot.mjs] } }\n';

describe('config errors: all of them, in one pass, each at file:line:col', () => {
  it('prints every error of the config and its suites (golden)', async () => {
    const dir = project({
      'evalgate.yml': `${COMMAND_TARGET}suites:\n  - suites/*.yml\n  - extra/*.yml\nconcurrency: lots\n`,
      'suites/support.yml': [
        'id: support',
        'cases:',
        '  - id: refunds',
        '    graders: [{ type: containz, value: 30 days }]',
        '  - id: refunds',
        '    graders: [{ type: contains, value: 30 days }]',
        'dataset: more.jsonl',
        '',
      ].join('\n'),
      'suites/more.jsonl':
        '{"id":"a","vars":{"q":"x"},"blocker":"yes","graders":[{"type":"is-json"}]}\n{"id": "b",, }\n',
      'suites/copy.yml': 'id: support\ngraders: [{ type: is-json }]\ncases: [{ id: x }]\n',
    });
    const r = await cli(['validate'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    golden('config-errors.txt', r.stderr);
  });

  it('shows the first 25 and counts the rest; --all-errors shows every one', async () => {
    const lines = Array.from({ length: 35 }, (_, i) => `{"id":"c${i}","blocker":"no"}`).join('\n');
    const dir = project({
      'evalgate.yml': `${COMMAND_TARGET}suites: [s.yml]\n`,
      's.yml': 'id: s\ngraders: [{ type: is-json }]\ndataset: d.jsonl\n',
      'd.jsonl': lines,
    });
    const r = await cli(['validate'], dir);
    expect(r.code).toBe(2);
    const out = r.stderr.split('\n');
    expect(out[0]).toBe('evalgate: 35 config errors:');
    expect(out.filter((l) => l.startsWith('  d.jsonl:'))).toHaveLength(25);
    expect(out.at(-2)).toBe('  … and 10 more (--all-errors prints every one)');
    for (const command of ['validate', 'run']) {
      const all = await cli([command, '--all-errors'], dir);
      expect(all.code).toBe(2);
      expect(all.stderr.split('\n').filter((l) => l.startsWith('  d.jsonl:'))).toHaveLength(35);
      expect(all.stderr).not.toContain('more');
      expect(all.stderr).toContain('  d.jsonl:35:23: blocker: expected boolean, received string\n');
    }
  });

  it('locates template errors to the column: a missing partial, a missing variable', async () => {
    const openai = (prompt: string) =>
      `targets:\n  ${prompt}:\n    type: openai\n    baseURL: http://127.0.0.1:9/v1\n    apiKeyEnv: PATH\n    prompt: prompts/${prompt}.md\n    model: m.yaml\n`;
    const dir = project({
      'evalgate.yml': `${openai('bot')}suites: [s.yml]\n`,
      'prompts/bot.md': '[system]\nBe brief.\n[user]\n{{question}} {{customer}}\n',
      'm.yaml': 'model: gpt-4o-mini\n',
      's.yml':
        'id: s\ngraders: [{ type: is-json }]\ncases:\n  - id: one\n    vars: { question: q }\ndataset: d.jsonl\n',
      'd.jsonl': '{"id":"two","vars":{"question":"q"}}\n{"id":"three","graders":[{"type":"nope"}]}\n',
    });
    const r = await cli(['validate'], dir);
    expect(r.code).toBe(2);
    // In the same pass as an error in the suite itself.
    expect(r.stderr).toBe(
      [
        'evalgate: 3 config errors:',
        "  d.jsonl:2:34: graders[0].type: unknown grader type 'nope'; expected one of: " +
          r.stderr.split('expected one of: ')[1]!.split('\n')[0],
        "  s.yml:4:5: case 'one': missing variable 'customer' used in prompts/bot.md:4",
        "  d.jsonl:1:20: case 'two': missing variable 'customer' used in prompts/bot.md:4",
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'd.jsonl'), '{"id":"two","vars":{"question":"q","customer":"c"}}\n');
    writeFileSync(
      join(dir, 'prompts/bot.md'),
      '[system]\nBe brief.\n  {{> base.md}}\n[user]\n{{question}}\n',
    );
    const partial = await cli(['validate'], dir);
    expect(partial).toMatchObject({
      code: 2,
      stderr: 'evalgate: config error: prompts/bot.md:3:7: partial not found: base.md\n',
    });
  });
});

describe('selecting nothing is an error, not a green run of zero cases', () => {
  it('a suites glob that matches no file, at its line and column, for validate and run', async () => {
    const dir = project({
      'evalgate.yml': `${COMMAND_TARGET}suites:\n  - evals/*.yml\n`,
      'suites/s.yml': 'id: s\ngraders: [{ type: is-json }]\ncases: [{ id: x }]\n',
    });
    for (const command of ['validate', 'run']) {
      expect(await cli([command], dir)).toEqual({
        code: 2,
        stdout: '',
        stderr:
          "evalgate: config error: evalgate.yml:6:5: suites[0]: 'evals/*.yml' matches no file (suite paths are relative to the config file)\n",
      });
    }
  });
});

describe('help', () => {
  it('`evalgate help COMMAND` and `evalgate COMMAND --help` print that command’s help', async () => {
    const dir = project({});
    for (const command of ['run', 'validate', 'plan', 'compare', 'baseline', 'calibrate', 'review']) {
      const a = await cli(['help', command], dir);
      const b = await cli([command, '--help'], dir);
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(new RegExp(`^Usage: evalgate ${command}`));
      expect(a).toEqual(b);
    }
    expect((await cli(['help'], dir)).stdout).toMatch(/^evalgate .*\nCommands:\n/s);
    expect(await cli(['help', 'nope'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown command 'nope'/),
    });
  });
});

/** A tiny application: answers from a table, crashes on "crash", echoes a hostile string on "hostile". */
const BOT = `
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const q = JSON.parse(input).vars.question;
  if (q === 'crash') { process.stderr.write('bot: database unreachable\\n'); process.exit(3); }
  const output = q === 'hostile'
    ? '\\u001b[2J::error::forged\\nsecond line ##[warning]x'
    : q === 'refunds' ? 'Refunds are accepted within 14 days of delivery, unless the item was personalised in any way whatsoever, in which case no refund at all, sorry.' : 'Shipping takes 3 days.';
  process.stdout.write(JSON.stringify({ output }));
});
`;

describe('a failing run explains itself', () => {
  it('prints, per failing case, the grader, its reason, the output and the case’s file:line (golden)', async () => {
    const dir = project({
      'evalgate.yml': `${COMMAND_TARGET}suites: [suites/*.yml]\nretries: 0\ngate:\n  errors:\n    maxRate: 0.5\n`,
      'bot.mjs': BOT,
      'suites/support.yml': [
        'id: support',
        'tier: trusted',
        'cases:',
        '  - id: refund-window',
        '    vars: { question: refunds }',
        '    blocker: true',
        '    graders: [{ type: contains, value: 30 days }, { type: not-contains, value: sorry }]',
        '  - id: shipping',
        '    vars: { question: shipping }',
        '    graders: [{ type: contains, value: 3 days }]',
        '  - id: hostile-output',
        '    vars: { question: hostile }',
        '    graders: [{ type: contains, value: hello }]',
        '  - id: crashes',
        '    vars: { question: crash }',
        '    graders: [{ type: contains, value: x }]',
        '',
      ].join('\n'),
    });
    const r = await cli(['run'], dir);
    expect(r.code).toBe(1);
    // The table's latency column differs run to run: the golden starts after it.
    const after = r.stdout.slice(r.stdout.indexOf('Cases that did not pass'));
    golden('run-failures.txt', after);
    // eslint-disable-next-line no-control-regex -- nothing from the output reaches the terminal raw
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    for (const line of r.stdout.split('\n')) expect(line.trim().startsWith('::')).toBe(false);
  });

  it('exits 1 when a suite’s error rate is above gate.errors.maxRate, with its first errors', async () => {
    const dir = project({
      'evalgate.yml': `${COMMAND_TARGET}suites: [s.yml]\nretries: 0\n`,
      'bot.mjs': BOT,
      // Not trusted, no blocker: before, every sample erroring still exited 0.
      's.yml':
        'id: flaky\ncases:\n  - { id: a, vars: { question: crash }, graders: [{ type: is-json }] }\n  - { id: b, vars: { question: crash }, graders: [{ type: is-json }] }\n  - { id: c, vars: { question: shipping }, graders: [{ type: contains, value: days }] }\n',
    });
    const r = await cli(['run'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /evalgate: suite 'flaky': 2 of 3 samples errored \(66\.7%, above gate\.errors\.maxRate 10\.0%\): its results say nothing, so the run fails\n {2}2× process.*database unreachable/,
    );
    const json = await cli(['run', '--json'], dir);
    expect(json.code).toBe(1);
    expect(json.stderr).toContain("evalgate: suite 'flaky': 2 of 3 samples errored");
  });
});
