import { describe, expect, it } from 'vitest';
import { committedRepo, createRepo, type TempRepo } from '../../test/helpers/git.js';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { planFromGit } from './plan.js';
import type { Change, Plan } from './types.js';

const APP = `retrieval:
  top_k: 5
  index: docs-v3
  embedding_model: text-embedding-3-small
model: gpt-4o-mini
temperature: 0.1
logging:
  level: info
`;

const SUITE = (id: string, target: string, extra = '') =>
  `id: ${id}\ntarget: ${target}\n${extra}graders: [{ type: contains, value: ok }]\ncases: [{ input: hi }]\n`;

const project = (files: Record<string, string>): TempRepo => committedRepo(files);

/** Commits `edits` on a new branch off main and plans main...branch. */
async function planEdit(
  repo: TempRepo,
  branch: string,
  edits: Record<string, string>,
  config = 'evalgate.yml',
) {
  repo.branch(branch, 'main');
  repo.write(edits);
  repo.commit(branch);
  repo.checkout('main');
  return planFromGit({ cwd: repo.dir, base: 'main', head: branch, config });
}

/** Versions at main, as the head side of a plan of main against itself. */
async function versionsAtMain(repo: TempRepo, config = 'evalgate.yml') {
  return (await planFromGit({ cwd: repo.dir, base: 'main', head: 'main', config })).components;
}

function changed(
  before: Plan['components'],
  plan: Plan,
  component: string,
  files: string[],
  requests?: { total: number; changed: number },
): Change {
  return {
    component,
    kind: plan.components[component]!.kind,
    status: 'modified',
    old: before[component]!.version,
    new: plan.components[component]!.version,
    files,
    ...(requests && { effect: requests.changed ? 'changed' : 'none', requests }),
  };
}

/** The one case of SUITE, rendered and changed. */
const ONE = { total: 1, changed: 1 };

function errorText(e: unknown, cwd: string): string[] {
  if (e instanceof ConfigErrors) return e.errors.map((x) => x.format(cwd));
  if (e instanceof ConfigError) return [e.format(cwd)];
  throw e;
}

describe('components: several in one file, by key path', () => {
  const config = `targets:
  bot:
    type: http
    url: http://localhost/answer
    components: [retrieval, embedder, llm, app]
components:
  retrieval: { kind: retrieval, paths: [config/app.yml], keys: [retrieval] }
  embedder: { kind: model, paths: [config/app.yml], keys: [retrieval.embedding_model] }
  llm: { kind: model, paths: [config/app.yml], keys: [model, temperature] }
  app: { kind: tool, paths: [config/app.yml] }
suites: [suites/*.yml]
`;
  const files = { 'evalgate.yml': config, 'config/app.yml': APP, 'suites/bot.yml': SUITE('bot', 'bot') };

  it('gives keys nobody claims to the component that claims the whole file', async () => {
    const repo = project(files);
    const before = await versionsAtMain(repo);
    const plan = await planEdit(repo, 'logging', {
      'config/app.yml': APP.replace('level: info', 'level: debug'),
    });
    expect(plan.changes).toEqual([changed(before, plan, 'app', ['config/app.yml'])]);
    expect(plan.files).toEqual([
      { path: 'config/app.yml', status: 'modified', binary: false, components: ['app'], unclassified: false },
    ]);
    expect(plan.suites).toEqual([
      {
        id: 'bot',
        target: 'bot',
        kind: 'regression',
        file: 'suites/bot.yml',
        reasons: [
          {
            type: 'component',
            component: 'app',
            kind: 'tool',
            old: before.app!.version,
            new: plan.components.app!.version,
          },
        ],
      },
    ]);
  });

  it('gives a nested key to the deeper claim, and the rest of its parent to the shallower one', async () => {
    const repo = project(files);
    const before = await versionsAtMain(repo);
    const embedding = await planEdit(repo, 'embedding', {
      'config/app.yml': APP.replace('text-embedding-3-small', 'text-embedding-3-large'),
    });
    expect(embedding.changes).toEqual([changed(before, embedding, 'embedder', ['config/app.yml'])]);
    const topK = await planEdit(repo, 'top-k', { 'config/app.yml': APP.replace('top_k: 5', 'top_k: 3') });
    expect(topK.changes).toEqual([changed(before, topK, 'retrieval', ['config/app.yml'])]);
    const model = await planEdit(repo, 'model', {
      'config/app.yml': APP.replace('temperature: 0.1', 'temperature: 1'),
    });
    expect(model.changes).toEqual([changed(before, model, 'llm', ['config/app.yml'])]);
  });

  it('rejects two components claiming the same key of the same file, pointing at the second', async () => {
    const repo = project({
      ...files,
      'evalgate.yml': config.replace('keys: [model, temperature]', 'keys: [model, retrieval]'),
    });
    const error = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' }).catch((e: unknown) => e);
    expect(errorText(error, repo.dir)).toEqual([
      "evalgate.yml:9:62: components.llm.keys[1]: key 'retrieval' of config/app.yml is also claimed by component 'retrieval'; a key path belongs to one component",
    ]);
  });
});

describe('components: inference for openai targets, and what declarations override', () => {
  const prompt = '---\nmodel: gpt-4o-mini\ntemperature: 0\n---\nYou help.\n{{> parts/tone.md}}\n';
  const base = {
    'prompts/support.md': prompt,
    'prompts/parts/tone.md': 'Be kind.\n',
    'models/support.yml': 'model: gpt-4o-mini\n',
    'suites/support.yml': SUITE('support', 'support'),
  };
  const target = `targets:
  support: { type: openai, prompt: prompts/support.md, model: models/support.yml }
`;

  it('a declared component over the prompt files replaces the inferred prompt, but not the front-matter model keys', async () => {
    const repo = project({
      ...base,
      'evalgate.yml': `${target}components:\n  prompts: { kind: prompt, paths: ['prompts/**'] }\nsuites: [suites/*.yml]\n`,
    });
    const before = await versionsAtMain(repo);
    expect(Object.keys(before)).toEqual(['prompts', 'support.model']);
    const body = await planEdit(repo, 'body', { 'prompts/parts/tone.md': 'Be very kind.\n' });
    expect(body.changes).toEqual([changed(before, body, 'prompts', ['prompts/parts/tone.md'], ONE)]);
    expect(body.targets.support!.components).toEqual(['prompts', 'support.model']);
    const model = await planEdit(repo, 'fm', {
      'prompts/support.md': prompt.replace('temperature: 0', 'temperature: 1'),
    });
    expect(model.changes).toEqual([changed(before, model, 'support.model', ['prompts/support.md'], ONE)]);
  });

  it('a declared key claim takes that key from the inferred model component', async () => {
    const repo = project({
      ...base,
      'evalgate.yml': `${target}components:\n  chosen-model: { kind: model, paths: ['prompts/*.md'], keys: [model] }\nsuites: [suites/*.yml]\n`,
    });
    const before = await versionsAtMain(repo);
    const model = await planEdit(repo, 'model', {
      'prompts/support.md': prompt.replace('model: gpt-4o-mini', 'model: o3'),
    });
    expect(model.changes).toEqual([changed(before, model, 'chosen-model', ['prompts/support.md'], ONE)]);
    const temperature = await planEdit(repo, 'temp', {
      'prompts/support.md': prompt.replace('temperature: 0', 'temperature: 1'),
    });
    expect(temperature.changes).toEqual([
      changed(before, temperature, 'support.model', ['prompts/support.md'], ONE),
    ]);
  });

  it('two targets sharing a prompt each get their own prompt component', async () => {
    const repo = project({
      ...base,
      'evalgate.yml': `targets:
  a: { type: openai, prompt: prompts/support.md, model: models/support.yml }
  b: { type: openai, prompt: prompts/support.md, model: models/support.yml }
suites: [suites/*.yml]
`,
      'suites/support.yml': SUITE('support', 'a'),
      'suites/other.yml': SUITE('other', 'b'),
    });
    const plan = await planEdit(repo, 'shared', { 'prompts/parts/tone.md': 'Be brisk.\n' });
    expect(plan.changes.map((c) => c.component)).toEqual(['a.prompt', 'b.prompt']);
    expect(plan.targets.a!.components).toEqual(['a.model', 'a.prompt']);
    expect(plan.targets.b!.components).toEqual(['b.model', 'b.prompt']);
    expect(plan.suites.map((s) => [s.id, s.reasons.map((r) => 'component' in r && r.component)])).toEqual([
      ['other', ['b.prompt']],
      ['support', ['a.prompt']],
    ]);
  });
});

describe('components: bad input', () => {
  const suites = { 'suites/bot.yml': SUITE('bot', 'bot'), 'config/app.yml': APP };

  it('warns about a glob that matches no file, and a component no target uses', async () => {
    const repo = project({
      ...suites,
      'evalgate.yml': `targets:
  bot: { type: http, url: 'http://localhost/x', components: [retrieval] }
components:
  retrieval: { kind: retrieval, paths: [config/app.yml], keys: [retrieval] }
  policies: { kind: policy, paths: ['policies/*.yml'] }
suites: [suites/*.yml]
`,
    });
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' });
    expect(plan.warnings).toEqual([
      "evalgate.yml:5:37: components.policies.paths[0]: 'policies/*.yml' matches no file",
      "evalgate.yml:5:13: components.policies: component 'policies' is used by no target: list it in a target's `components`",
      "evalgate.yml:2:8: targets.bot: target 'bot' runs code no component claims: a change to it is not detected; add a component of kind code with its paths (or, for code that lives in another repository, say so in the target's externalCode)",
    ]);
  });

  it('warns when a component names keys of a file that has none', async () => {
    const repo = project({
      ...suites,
      'NOTES.txt': 'plain text\n',
      'evalgate.yml': `targets:
  bot: { type: http, url: 'http://localhost/x', components: [notes] }
components:
  notes: { kind: policy, paths: [NOTES.txt], keys: [policy] }
suites: [suites/*.yml]
`,
    });
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' });
    expect(plan.warnings).toEqual([
      "evalgate.yml:2:8: targets.bot: target 'bot' runs code no component claims: a change to it is not detected; add a component of kind code with its paths (or, for code that lives in another repository, say so in the target's externalCode)",
      "component 'notes' names keys, but NOTES.txt is not YAML, JSON or text with front matter: ignoring its keys there",
    ]);
    expect(plan.components).toEqual({});
  });

  it('rejects a target naming an unknown component', async () => {
    const repo = project({
      ...suites,
      'evalgate.yml': `targets:\n  bot: { type: http, url: 'http://localhost/x', components: [retreival] }\nsuites: [suites/*.yml]\n`,
    });
    const error = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' }).catch((e: unknown) => e);
    expect(errorText(error, repo.dir)).toEqual([
      "evalgate.yml:2:62: targets.bot.components[0]: unknown component 'retreival'; components: (none)",
    ]);
  });

  it('rejects an invalid config at head with its line', async () => {
    const repo = project({
      ...suites,
      'evalgate.yml': 'targets:\n  bot: { type: carrier-pigeon }\nsuites: [suites/*.yml]\n',
    });
    const error = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' }).catch((e: unknown) => e);
    expect(errorText(error, repo.dir)).toEqual([
      "evalgate.yml:2:16: targets.bot.type: unknown target type 'carrier-pigeon'; expected one of: openai, http, command",
    ]);
  });
});

describe('plan: project layout and history edge cases', () => {
  it('plans a project in a subdirectory, with paths relative to it', async () => {
    const repo = project({
      'evals/evalgate.yml': `targets:\n  bot: { type: openai, prompt: prompts/bot.md, model: model.yml }\nsuites: [suites/*.yml]\n`,
      'evals/prompts/bot.md': 'Hello {{input}}\n',
      'evals/model.yml': 'model: gpt-4o-mini\n',
      'evals/suites/bot.yml': SUITE('bot', 'bot'),
      'src/app.ts': 'export {};\n',
    });
    const before = await versionsAtMain(repo, 'evals/evalgate.yml');
    const plan = await planEdit(
      repo,
      'sub',
      { 'evals/model.yml': 'model: gpt-4o\n', 'src/app.ts': 'export const x = 1;\n' },
      'evals/evalgate.yml',
    );
    expect(plan.config).toBe('evals/evalgate.yml');
    expect(plan.root).toBe('evals');
    expect(plan.changes).toEqual([changed(before, plan, 'bot.model', ['model.yml'], ONE)]);
    expect(plan.files).toEqual([
      { path: '../src/app.ts', status: 'modified', binary: false, components: [], unclassified: true },
      {
        path: 'model.yml',
        status: 'modified',
        binary: false,
        components: ['bot.model'],
        unclassified: false,
      },
    ]);
    expect(plan.suites.map((s) => s.id)).toEqual(['bot']);
  });

  it('a config added at head runs everything, every component new', async () => {
    const repo = createRepo();
    repo.write({ 'README.md': 'hi\n' });
    repo.commit('before evalgate');
    repo.branch('adopt');
    repo.write({
      'evalgate.yml': `targets:\n  bot: { type: openai, prompt: p.md, model: m.yml }\nsuites: [s.yml]\n`,
      'p.md': 'Hi {{input}}\n',
      'm.yml': 'model: x\n',
      's.yml': SUITE('bot', 'bot'),
    });
    repo.commit('adopt evalgate');
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'adopt' });
    expect(plan.changes.map((c) => [c.component, c.status, c.old])).toEqual([
      ['bot.model', 'added', null],
      ['bot.prompt', 'added', null],
      ['config:evalgate.yml', 'added', null],
      ['suite:bot', 'added', null],
    ]);
    expect(plan.suites[0]!.reasons.map((r) => r.type)).toEqual(['suite', 'config', 'component', 'component']);
  });
});
