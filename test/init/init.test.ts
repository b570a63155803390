import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initWith } from '../../src/cli/commands/init.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/types.js';
import { detectProject, guessCodePaths, promptVariables, splitCommand } from '../../src/init/detect.js';
import { planFromGit } from '../../src/plan/plan.js';
import { createRepo } from '../helpers/git.js';
import { WORKFLOWS } from '../../src/init/workflows.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'evalgate-init-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function io(cwd: string, out: { stdout: string; stderr: string }): CliIO {
  return {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    cwd,
    env: { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-test-not-used' },
    isTTY: false,
  };
}

async function cli(argv: string[], cwd: string) {
  const out = { stdout: '', stderr: '' };
  const code = await main(argv, io(cwd, out));
  return { code, ...out };
}

const SUPPORT_PROMPT = '[system]\nBe kind. Secret: {{system_canary}}\n[user]\n{{ context }}\n{{question}}\n';

describe('detection', () => {
  it('finds prompt and model files by convention, anywhere, and skips dependencies and build output', () => {
    const dir = repo({
      'prompts/support.md': SUPPORT_PROMPT,
      'prompts/partials/tone.txt': 'Be brief.',
      'services/bot/prompts/triage.yaml': 'messages: []',
      'models/support.yaml': 'model: gpt-4o-mini\n',
      'models/README.rst': 'not a model',
      'node_modules/x/prompts/a.md': 'dependency',
      'dist/prompts/b.md': 'build output',
      'src/app.ts': 'export {}',
    });
    expect(detectProject(dir)).toEqual({
      // The likeliest first: partials last, shallower before deeper.
      prompts: ['prompts/support.md', 'services/bot/prompts/triage.yaml', 'prompts/partials/tone.txt'],
      models: ['models/support.yaml'],
    });
  });

  it('reads the variables a prompt uses, not its partials', () => {
    const dir = repo({ 'p.md': '{{> partials/x.md }} {{ customer.name }} {{question}} {{question}}' });
    expect(promptVariables(join(dir, 'p.md'))).toEqual(['customer.name', 'question']);
  });

  it("guesses a command or http target's code: the script's folder, the usual source folders", () => {
    const dir = repo({
      'app/cli.mjs': '',
      'app/bot.mjs': '',
      'app/docs/refunds.md': '# Refunds',
      'src/server.ts': '',
      'src/views/page.tsx': '',
      'src/node_modules/x/index.js': '',
      'lib/README.md': 'no code here',
      'tools/answer/main.py': '',
      'run.py': '',
    });
    // The folder of the script the command runs, and the source folders that hold code, each
    // narrowed to the code extensions in it, so documents and data stay out.
    expect(guessCodePaths(dir, ['node', 'app/cli.mjs'])).toEqual({
      paths: ['app/**/*.mjs', 'src/**/*.{ts,tsx}'],
      placeholder: false,
    });
    expect(guessCodePaths(dir, ['python', 'tools/answer/main.py']).paths).toEqual([
      'app/**/*.mjs',
      'src/**/*.{ts,tsx}',
      'tools/answer/**/*.py',
    ]);
    expect(guessCodePaths(dir, ['python', '-m', 'tools.answer']).paths).toContain('tools/**/*.py');
    // A script at the root is claimed alone, not the whole repository.
    expect(guessCodePaths(dir, ['python', './run.py']).paths[0]).toBe('run.py');
    // http: no command, only the source folders.
    expect(guessCodePaths(dir, undefined).paths).toEqual(['app/**/*.mjs', 'src/**/*.{ts,tsx}']);
    expect(guessCodePaths(repo({ 'README.md': '' }), undefined)).toEqual({
      paths: ['src/**'],
      placeholder: true,
    });
  });

  it('splits a command line with quotes', () => {
    expect(splitCommand(`python -m app.answer --name "two words" ''`)).toEqual([
      'python',
      '-m',
      'app.answer',
      '--name',
      'two words',
      '',
    ]);
    expect(() => splitCommand('node "app.js')).toThrow(/unclosed/);
  });
});

describe('evalgate init', () => {
  it('sets up an openai target from the files it finds, and what it writes validates', async () => {
    const dir = repo({ 'prompts/support.md': SUPPORT_PROMPT, 'models/support.yaml': 'model: gpt-4o-mini\n' });
    const r = await cli(['init', '--yes'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('openai target (found 1 prompt file, 1 model file)');
    const config = readFileSync(join(dir, 'evalgate.yml'), 'utf8');
    expect(config).toContain('prompt: prompts/support.md');
    expect(config).toContain('model: models/support.yaml');
    expect(config).toContain('- evalgate:prompt-injection');
    for (const w of WORKFLOWS) expect(readFileSync(join(dir, w.path), 'utf8')).toBe(w.content);
    expect(r.stdout).toContain('gh secret set OPENAI_API_KEY');
    const v = await cli(['validate'], dir);
    expect(v.stderr).toBe('');
    // The starter suite (1 case) and the four packs (105 + 104 + 108 + 108 cases).
    expect(v.stdout).toBe('ok: 5 suites, 426 cases, 1 target\n');
    expect(v.code).toBe(0);
  });

  it('with nothing to find, scaffolds a prompt and a model that validate', async () => {
    const dir = repo();
    expect((await cli(['init', '--yes'], dir)).code).toBe(0);
    expect(existsSync(join(dir, 'evalgate/prompt.md'))).toBe(true);
    expect(existsSync(join(dir, 'evalgate/model.yaml'))).toBe(true);
    const v = await cli(['validate'], dir);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('leaves the packs out, and says why, when the prompt uses vars the packs do not set', async () => {
    const dir = repo({
      'prompts/p.md': 'Hello {{customer.name}}: {{question}}',
      'models/m.json': '{"model":"x"}',
    });
    const r = await cli(['init', '--yes'], dir);
    expect(r.stdout).toContain('prompts/p.md uses {{customer}}, and the built-in safety packs set only');
    expect(readFileSync(join(dir, 'evalgate.yml'), 'utf8')).not.toContain('evalgate:');
    const v = await cli(['validate'], dir);
    expect(v.stderr).toBe('');
    expect(v.stdout).toBe('ok: 1 suite, 1 case, 1 target\n');
  });

  it('leaves the packs out when the prompt has no {{question}} to put their questions in', async () => {
    const dir = repo({ 'prompts/p.md': 'Say hello.', 'models/m.json': '{"model":"x"}' });
    const r = await cli(['init', '--yes'], dir);
    expect(r.stdout).toContain('prompts/p.md does not use {{question}}');
    expect(readFileSync(join(dir, 'evalgate.yml'), 'utf8')).not.toContain('evalgate:');
    expect((await cli(['validate'], dir)).stdout).toBe('ok: 1 suite, 1 case, 1 target\n');
  });

  it('sets up a command target that watches the prompt files, and it validates', async () => {
    const dir = repo({ 'prompts/greeting.md': 'Hi', 'bot.mjs': '' });
    const r = await cli(
      ['init', '--yes', '--target', 'command', '--command', 'node bot.mjs --mode "eval run"'],
      dir,
    );
    expect(r.code).toBe(0);
    const config = readFileSync(join(dir, 'evalgate.yml'), 'utf8');
    expect(config).toContain('command: ["node", "bot.mjs", "--mode", "eval run"]');
    expect(config).toMatch(
      /^components:.*\n {2}prompts:\n {4}kind: prompt\n {4}paths: \["prompts\/greeting.md"\]/m,
    );
    // Its code, the script it runs at the root, claimed alone.
    expect(config).toContain('    components: ["prompts", "app-code"]');
    expect(config).toMatch(/^ {2}app-code:\n {4}kind: code .*\n {4}paths: \["bot.mjs"\]$/m);
    expect(r.stdout).not.toContain('OPENAI_API_KEY');
    const v = await cli(['validate'], dir);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('sets up an http target from --url, and it validates', async () => {
    const dir = repo();
    const r = await cli(['init', '--yes', '--url', 'http://localhost:9/ask'], dir);
    expect(r.code).toBe(0);
    const config = readFileSync(join(dir, 'evalgate.yml'), 'utf8');
    expect(config).toContain('type: http');
    // No code found: a placeholder, and a note saying to correct it.
    expect(config).toMatch(/^ {2}app-code:\n {4}kind: code .*\n {4}paths: \["src\/\*\*"\]$/m);
    expect(r.stdout).toContain(
      "note: could not tell where the app's code is: components.app-code.paths in evalgate.yml is src/**; point it at your code\n",
    );
    const v = await cli(['validate'], dir);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it("declares a command target's code, so a pull request editing only the app runs its suites", async () => {
    const repoAt = createRepo();
    const dir = repoAt.dir;
    for (const [name, text] of Object.entries({
      'app/cli.mjs':
        "import { answer } from './bot.mjs';\nconsole.log(JSON.stringify({ output: answer() }));\n",
      'app/bot.mjs': "export const answer = () => 'Happy to help.';\n",
      'app/docs/faq.md': '# FAQ\n',
    })) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = await cli(['init', '--yes', '--command', 'node app/cli.mjs'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('could not tell');
    expect(readFileSync(join(dir, 'evalgate.yml'), 'utf8')).toMatch(
      /^ {2}app-code:\n {4}kind: code .*\n {4}paths: \["app\/\*\*\/\*\.mjs"\]$/m,
    );
    expect((await cli(['validate'], dir)).stderr).toBe('');
    repoAt.commit('evalgate init');
    repoAt.branch('edit-bot', 'main');
    repoAt.write({ 'app/bot.mjs': "export const answer = () => 'Happy to help!';\n" });
    repoAt.commit('edit the bot');
    const plan = await planFromGit({ cwd: dir, base: 'main', head: 'edit-bot', fetch: false });
    expect(plan.changes.map((c) => [c.component, c.kind, c.files])).toEqual([
      ['app-code', 'code', ['app/bot.mjs']],
    ]);
    // The starter suite and the four packs, all of the one target.
    expect(plan.suites.map((s) => s.id)).toEqual([
      'evalgate:harmful-requests',
      'evalgate:over-refusal',
      'evalgate:prompt-injection',
      'evalgate:sensitive-data',
      'starter',
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('is idempotent: a second run keeps every file and says so; --force overwrites', async () => {
    const dir = repo({ 'prompts/support.md': SUPPORT_PROMPT, 'models/support.yaml': 'model: m\n' });
    await cli(['init', '--yes'], dir);
    writeFileSync(join(dir, 'evalgate.yml'), '# mine\n');
    const again = await cli(['init', '--yes'], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/\bwrote\b/);
    for (const path of ['evalgate.yml', 'evalgate/suites/starter.yml', ...WORKFLOWS.map((w) => w.path)])
      expect(again.stdout).toContain(`kept            ${path}`);
    expect(again.stdout).toContain('Nothing to write');
    expect(readFileSync(join(dir, 'evalgate.yml'), 'utf8')).toBe('# mine\n');
    const forced = await cli(['init', '--yes', '--force'], dir);
    expect(forced.stdout).toContain('overwrote       evalgate.yml');
    expect(readFileSync(join(dir, 'evalgate.yml'), 'utf8')).toContain('version: 1');
  });

  it('--dry-run lists what it would write and writes nothing', async () => {
    const dir = repo({ '.github/workflows/evalgate.yml': '# theirs\n' });
    const r = await cli(['init', '--yes', '--dry-run'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('would write     evalgate.yml');
    expect(r.stdout).toContain('would write     .github/workflows/evalgate-report.yml');
    expect(r.stdout).toContain('kept            .github/workflows/evalgate.yml');
    expect(r.stdout).toContain('Dry run: nothing was written.');
    expect(existsSync(join(dir, 'evalgate.yml'))).toBe(false);
    expect(readFileSync(join(dir, '.github/workflows/evalgate.yml'), 'utf8')).toBe('# theirs\n');
  });

  it('asks on a terminal for what it could not find', async () => {
    const dir = repo({ 'run.py': '' });
    const questions: string[] = [];
    const out = { stdout: '', stderr: '' };
    const code = await initWith([], io(dir, out), async (q, fallback) => {
      questions.push(`${q} [${fallback}]`);
      return q.startsWith('Target') ? 'command' : 'python run.py';
    });
    expect(code).toBe(0);
    expect(questions).toEqual([
      'Target type: openai, http or command? [openai]',
      'Command that answers one case (argv)? [node app.js]',
    ]);
    expect(readFileSync(join(dir, 'evalgate.yml'), 'utf8')).toContain('command: ["python", "run.py"]');
  });

  it('asks for the prompt when there are several, and rejects an answer that is no file', async () => {
    const dir = repo({
      'prompts/a.md': '{{question}}',
      'prompts/b.md': '{{question}}',
      'models/m.yaml': 'model: m\n',
    });
    const answers: Record<string, string> = { Target: 'openai', Prompt: 'prompts/b.md' };
    const ask = async (q: string) => answers[q.split(' ')[0]!] ?? '';
    expect(await initWith(['--dry-run'], io(dir, { stdout: '', stderr: '' }), ask)).toBe(0);
    await initWith([], io(dir, { stdout: '', stderr: '' }), ask);
    expect(readFileSync(join(dir, 'evalgate.yml'), 'utf8')).toContain('prompt: prompts/b.md');
    answers.Prompt = 'prompts/c.md';
    await expect(initWith(['--force'], io(dir, { stdout: '', stderr: '' }), ask)).rejects.toThrow(
      /prompt prompts\/c.md: no such file/,
    );
  });

  it('--dir sets up another directory; help lists init and `help init` is `init --help`', async () => {
    const dir = repo({ 'sub/prompts/p.md': '{{question}}', 'sub/models/m.yaml': 'model: m\n' });
    expect((await cli(['init', '--yes', '--dir', 'sub'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'sub/evalgate.yml'), 'utf8')).toContain('prompt: prompts/p.md');
    expect(existsSync(join(dir, 'evalgate.yml'))).toBe(false);
    expect((await cli(['help'], dir)).stdout).toMatch(/^ {2}init {7}set evalgate up in this repository/m);
    const a = await cli(['help', 'init'], dir);
    expect(a.stdout).toMatch(/^Usage: evalgate init/);
    expect(a).toEqual(await cli(['init', '--help'], dir));
  });

  it('rejects bad flags with exit 2 and no stack trace', async () => {
    const dir = repo();
    const bad = await cli(['init', '--target', 'grpc'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("evalgate: --target must be one of openai, http, command, not 'grpc'\n");
    const missing = await cli(['init', '--prompt', 'nope.md'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--prompt nope.md: no such file');
    expect(existsSync(join(dir, 'evalgate.yml'))).toBe(false);
  });
});
