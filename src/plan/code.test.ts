import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { committedRepo, createRepo, type TempRepo } from '../../test/helpers/git.js';
import { runCli } from '../../test/helpers/cli.js';
import { ConfigError } from '../config/errors.js';
import { planFromGit } from './plan.js';
import { renderPlanText } from './render.js';
import { uncoveredCodeTargets } from './schema.js';
import { versionsForWorkingTree } from './versions.js';

const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));

const SUITE = (id: string, target: string) =>
  `id: ${id}\ntarget: ${target}\ngraders: [{ type: contains, value: ok }]\ncases: [{ input: hi }]\n`;

/** A command target running app/cli.mjs, with its code declared, beside an openai target. */
const FILES: Record<string, string> = {
  'evalgate.yml': `targets:
  bot:
    type: command
    command: [node, app/cli.mjs]
    components: [bot-code]
  chat:
    type: openai
    prompt: prompts/chat.md
    model: models/chat.yml
components:
  bot-code: { kind: code, paths: ['app/**/*.mjs'] }
suites: [suites/*.yml]
`,
  'app/cli.mjs':
    "import { answer } from './bot.mjs';\nprocess.stdout.write(JSON.stringify({ output: answer() }));\n",
  'app/bot.mjs': "export const answer = () => 'ok';\n",
  'prompts/chat.md': 'Answer: {{input}}\n',
  'models/chat.yml': 'model: gpt-4o-mini\n',
  'suites/bot.yml': SUITE('bot-qa', 'bot'),
  'suites/chat.yml': SUITE('chat-qa', 'chat'),
  'README.md': '# Demo\n',
};

const project = (files: Record<string, string>): TempRepo => committedRepo(files);

/** Commits `edit` on a new branch off main and plans main...branch. */
async function planEdit(repo: TempRepo, branch: string, edit: (repo: TempRepo) => void) {
  repo.branch(branch, 'main');
  edit(repo);
  repo.commit(branch);
  repo.checkout('main');
  return planFromGit({ cwd: repo.dir, base: 'main', head: branch });
}

describe('component kind code', () => {
  const repo = project(FILES);

  it("a byte change to a claimed file (trailing whitespace too) runs its target's suites, as a code change", async () => {
    const plan = await planEdit(repo, 'space', (r) =>
      r.write({ 'app/bot.mjs': "export const answer = () => 'ok'; \n" }),
    );
    expect(plan.changes).toEqual([
      {
        component: 'bot-code',
        kind: 'code',
        status: 'modified',
        old: expect.stringMatching(/^[0-9a-f]{12}$/),
        new: expect.stringMatching(/^[0-9a-f]{12}$/),
        files: ['app/bot.mjs'],
      },
    ]);
    const change = plan.changes[0]!;
    expect(change.old).not.toBe(change.new);
    expect(plan.files).toEqual([
      {
        path: 'app/bot.mjs',
        status: 'modified',
        binary: false,
        components: ['bot-code'],
        unclassified: false,
      },
    ]);
    expect(plan.suites).toEqual([
      {
        id: 'bot-qa',
        target: 'bot',
        kind: 'regression',
        file: 'suites/bot.yml',
        reasons: [
          { type: 'component', component: 'bot-code', kind: 'code', old: change.old, new: change.new },
        ],
      },
    ]);
    expect(plan.unaffected).toEqual(['chat-qa']);
    expect(plan.summary).toBe('1 of 2 suites affected by 1 change');
    expect(plan.warnings).toEqual([]);
    expect(renderPlanText(plan)).toContain(`bot-qa  code bot-code changed ${change.old} → ${change.new}`);
  });

  it('an added, a renamed and a deleted file under its globs are changes of it too', async () => {
    for (const [branch, edit] of [
      ['add', (r: TempRepo) => r.write({ 'app/lib/util.mjs': 'export const x = 1;\n' })],
      ['rename', (r: TempRepo) => r.git('mv', 'app/bot.mjs', 'app/core.mjs')],
      ['delete', (r: TempRepo) => r.remove('app/bot.mjs')],
    ] as const) {
      const plan = await planEdit(repo, branch, edit);
      expect(
        plan.changes.map((c) => [c.component, c.kind, c.status]),
        branch,
      ).toEqual([['bot-code', 'code', 'modified']]);
      expect(
        plan.suites.map((s) => s.id),
        branch,
      ).toEqual(['bot-qa']);
    }
  });

  it('an edit to a file no component claims still runs nothing, and says why', async () => {
    const plan = await planEdit(repo, 'readme', (r) => r.write({ 'README.md': '# Demo, edited\n' }));
    expect(plan.suites).toEqual([]);
    expect(plan.changes).toEqual([]);
    expect(plan.files).toEqual([
      { path: 'README.md', status: 'modified', binary: false, components: [], unclassified: true },
    ]);
    expect(plan.summary).toBe(
      'nothing affected: 1 changed file, 1 with changes no component, suite or config claims',
    );
  });

  it('the run stage versions the code on disk as the plan does at head', async () => {
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' });
    const disk = await versionsForWorkingTree({ configPath: join(repo.dir, 'evalgate.yml') });
    expect(disk.components['bot-code']).toEqual({ kind: 'code', version: expect.any(String) });
    expect(disk.components).toEqual(plan.components);
    expect(disk.targets).toEqual(plan.targets);
  });

  it('takes no keys: any byte is part of it', async () => {
    const bad = project({
      ...FILES,
      'evalgate.yml': FILES['evalgate.yml']!.replace(
        "paths: ['app/**/*.mjs'] }",
        "paths: ['app/**/*.mjs'], keys: [x] }",
      ),
    });
    const error = await planFromGit({ cwd: bad.dir, base: 'main', head: 'main' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'a component of kind code takes no keys: any byte change to its files is a change',
    );
    expect((error as ConfigError).location).toMatchObject({ line: 11, field: 'components.bot-code.keys' });
  });
});

describe('a command or http target no code component reaches', () => {
  const WARNING = (target: string) =>
    `target '${target}' runs code no component claims: a change to it is not detected; add a component of kind code with its paths (or, for code that lives in another repository, say so in the target's externalCode)`;

  it('is a warning of plan and validate, at the target; never for an openai target', async () => {
    const repo = project({
      ...FILES,
      'evalgate.yml': FILES['evalgate.yml']!.replace('    components: [bot-code]\n', '    components: []\n'),
    });
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' });
    expect(plan.warnings).toEqual([`evalgate.yml:3:5: targets.bot: ${WARNING('bot')}`]);
    const validate = await runCli(['validate'], repo.dir, { OPENAI_API_KEY: 'sk-test-not-used' });
    expect(validate.stderr).toBe(`warning: evalgate.yml:3:5: targets.bot: ${WARNING('bot')}\n`);
    expect(validate.code).toBe(0);
  });

  it("is silenced by the target's externalCode, which must give a reason", async () => {
    const config = FILES['evalgate.yml']!.replace(
      '    components: [bot-code]\n',
      '    components: []\n    externalCode: deployed from acme/bot-service\n',
    );
    const repo = project({ ...FILES, 'evalgate.yml': config });
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' });
    expect(plan.warnings).toEqual([]);
    const validate = await runCli(['validate'], repo.dir, { OPENAI_API_KEY: 'sk-test-not-used' });
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
    repo.write({ 'evalgate.yml': config.replace('deployed from acme/bot-service', "''") });
    const empty = await runCli(['validate'], repo.dir, { OPENAI_API_KEY: 'sk-test-not-used' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(
      /evalgate\.yml:\d+:\d+: targets\.bot\.externalCode: say where the code lives/,
    );
  });

  it('follows the plan: listed in components, or declared and unlisted for a target listing none', () => {
    const code = {
      app: { kind: 'code' as const },
      web: { kind: 'code' as const },
      docs: { kind: 'retrieval' as const },
    };
    expect(
      uncoveredCodeTargets(
        {
          listed: { type: 'command', components: ['app'] },
          implicit: { type: 'http' },
          other: { type: 'http', components: ['docs'] },
          chat: { type: 'openai' },
        },
        code,
      ).map((w) => w.target),
    ).toEqual(['other']);
    // Once a target lists every code component, a target listing nothing gets none of them.
    expect(
      uncoveredCodeTargets(
        { a: { type: 'command', components: ['app', 'web'] }, b: { type: 'command' } },
        code,
      ),
    ).toEqual([{ target: 'b', message: WARNING('b') }]);
    expect(uncoveredCodeTargets({ chat: { type: 'openai' } }, {})).toEqual([]);
    expect(uncoveredCodeTargets({ web: { type: 'http' } }, {})).toEqual([
      { target: 'web', message: WARNING('web') },
    ]);
  });
});

describe('the quickstart', () => {
  it('plans both suites when the bot changes, and its articles as a retrieval change', async () => {
    const repo = createRepo();
    cpSync(QUICKSTART, repo.dir, { recursive: true });
    repo.commit('the quickstart');
    const bot = await planEdit(repo, 'bot', (r) => r.git('mv', 'app/bot.mjs', 'app/bot.mjs.tmp'));
    // A rename away from the globs is a change; and an edit in place, below.
    expect(bot.changes.map((c) => [c.component, c.kind])).toEqual([['bot-code', 'code']]);
    const edit = await planEdit(repo, 'bot-edit', (r) =>
      r.write({
        'app/bot.mjs': `${readFileSync(join(QUICKSTART, 'app/bot.mjs'), 'utf8')}// a comment is a change in code\n`,
      }),
    );
    expect(edit.changes.map((c) => [c.component, c.kind, c.files])).toEqual([
      ['bot-code', 'code', ['app/bot.mjs']],
    ]);
    expect(edit.suites.map((s) => [s.id, s.reasons.map((r) => r.type === 'component' && r.kind)])).toEqual([
      ['safety', ['code']],
      ['support-regression', ['code']],
    ]);
    expect(edit.warnings).toEqual([]);
    const article = await planEdit(repo, 'article', (r) =>
      r.write({ 'app/docs/refunds.md': '# Refunds\n\nNo refunds, ever.\n' }),
    );
    expect(article.changes.map((c) => [c.component, c.kind])).toEqual([['help-centre', 'retrieval']]);
    expect(article.suites.map((s) => s.id)).toEqual(['safety', 'support-regression']);
  });
});
