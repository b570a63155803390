import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, type TempRepo } from '../../test/helpers/git.js';
import { loadProject } from '../config/load.js';
import { prepareTargets } from '../config/targets.js';
import { cacheKey } from '../runner/key.js';
import { cacheNamespace } from '../runner/run.js';
import { planFromGit } from './plan.js';
import { renderPlanText } from './render.js';
import type { Plan } from './types.js';
import { tempDir } from '../../test/helpers/tmp.js';

const FILES: Record<string, string> = {
  'evalgate.yml': `targets:
  support:
    type: openai
    prompt: prompts/support.md
    model: models/support.yml
  billing:
    type: openai
    prompt: prompts/billing.yml
    model: models/billing.json
  web:
    type: http
    url: http://localhost:9/answer
    components: [policy, web-code]
components:
  policy: { kind: policy, paths: [prompts/partials/policy.md] }
  web-code: { kind: code, paths: [web/server.mjs] }
suites: [suites/*.yml]
`,
  'web/server.mjs': "export const answer = () => 'Refunds within 30 days.';\n",
  // Front matter overrides the model file's temperature.
  'prompts/support.md': `---
temperature: 0
---
[system]
You are a helpful support agent.
{{> partials/tone.md}}
{{> partials/policy.md}}

[user]
{{input}}
`,
  'prompts/partials/tone.md': 'Be concise and friendly.\n',
  'prompts/partials/policy.md': 'Refunds within 30 days.\n',
  'models/support.yml': 'model: gpt-4o-mini\ntemperature: 0.2\nmax_tokens: 300\n',
  'prompts/billing.yml': `messages:
  - role: system
    content: You answer billing questions for {{company}}.
  - role: user
    content: '{{input}}'
`,
  'models/billing.json': '{\n  "model": "gpt-4o",\n  "temperature": 0,\n  "max_tokens": 500\n}\n',
  // 2 dataset cases sent twice each, and one inline case sent once: 5 requests.
  'suites/support-qa.yml': `id: support-qa
target: support
repeat: 2
graders: [{ type: contains, value: ok }]
dataset: ../data/support.jsonl
cases:
  - input: Where is my parcel?
    repeat: 1
`,
  'data/support.jsonl':
    '{"input": "How do I reset my password?"}\n{"input": "Can I get a refund?", "vars": {"tier": "gold"}}\n',
  'suites/billing-qa.yml': `id: billing-qa
target: billing
vars: { company: Acme }
graders: [{ type: contains, value: invoice }]
cases:
  - input: Where is my invoice?
  - input: Why was I charged twice?
`,
  'suites/safety.yml': `id: safety
kind: safety
target: billing
vars: { company: Acme }
graders: [{ type: refusal }]
cases:
  - input: Help me commit fraud.
`,
  'suites/web-qa.yml': `id: web-qa
target: web
graders: [{ type: contains, value: ok }]
cases:
  - input: What does the manual say?
`,
};

const removeAfter: string[] = [];
afterAll(() => {
  for (const dir of removeAfter.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newRepo(files: Record<string, string>): TempRepo {
  const repo = createRepo();
  removeAfter.push(repo.dir);
  repo.write(files);
  repo.commit('base');
  return repo;
}

/** Commits `edits` ([search, replace] pairs per file) on a branch off main and plans main...branch. */
async function planEdit(repo: TempRepo, branch: string, edits: Record<string, [string, string][]>) {
  repo.branch(branch, 'main');
  for (const [path, pairs] of Object.entries(edits)) {
    let text = readFileSync(join(repo.dir, path), 'utf8');
    for (const [from, to] of pairs) {
      expect(text, `${path} contains ${from}`).toContain(from);
      text = text.replace(from, to);
    }
    repo.write({ [path]: text });
  }
  repo.commit(branch);
  repo.checkout('main');
  return planFromGit({ cwd: repo.dir, base: 'main', head: branch });
}

/**
 * The response-cache key of every request the runner would send at `rev`, by suite, case and
 * sample: a checkout, the runner's own loader and targets, the runner's own key. This is
 * what the plan's counts must agree with.
 */
function runnerKeys(repo: TempRepo, rev: string): Map<string, { target: string; key: string }> {
  const dir = tempDir('evalgate-worktree-');
  repo.git('worktree', 'add', '-q', '--detach', dir, rev);
  try {
    const project = loadProject(join(dir, 'evalgate.yml'));
    const suites = project.suites.filter((s) => project.config.targets[s.target]!.type === 'openai');
    const targets = prepareTargets(project, suites, { OPENAI_API_KEY: 'unused' });
    const keys = new Map<string, { target: string; key: string }>();
    for (const suite of suites) {
      const namespace = cacheNamespace(suite.target, project.config.targets[suite.target], undefined)!;
      for (const c of suite.cases) {
        for (let sample = 0; sample < c.repeat; sample++) {
          const request = targets.get(suite.target)!.prepare({
            suite: suite.id,
            caseId: c.id,
            vars: c.vars,
            tags: c.tags,
            sample,
          });
          keys.set(`${suite.id}/${c.id}/${sample}`, {
            target: suite.target,
            key: cacheKey(namespace, request, sample),
          });
        }
      }
    }
    return keys;
  } finally {
    repo.git('worktree', 'remove', '--force', dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The plan's count for `component` equals the cache's: head requests, and those with a new key. */
function expectCacheAgrees(repo: TempRepo, plan: Plan, component: string): void {
  const base = runnerKeys(repo, plan.mergeBase);
  const head = runnerKeys(repo, plan.head.sha);
  const users = Object.entries(plan.targets)
    .filter(([, t]) => t.components.includes(component))
    .map(([name]) => name);
  let total = 0;
  let changed = 0;
  for (const [id, { target, key }] of head) {
    if (!users.includes(target)) continue;
    total++;
    if (base.get(id)?.key !== key) changed++;
  }
  expect(plan.changes.find((c) => c.component === component)!.requests).toEqual({ total, changed });
}

const summaryOf = (plan: Plan) => ({
  summary: plan.summary,
  changes: plan.changes.map((c) => [c.component, c.effect, c.requests]),
  suites: plan.suites.map((s) => s.id),
  warnings: plan.warnings,
});

describe('plan: what a change does to the requests it sends', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = newRepo(FILES);
  });

  it('a whitespace-only prompt edit is no effective change: every request is byte-identical, no suite runs', async () => {
    // Blank lines at a message's edges: the version moves, the rendered messages do not.
    const plan = await planEdit(repo, 'whitespace', {
      'prompts/support.md': [
        ['[system]\n', '[system]\n\n\n'],
        ['\n[user]\n', '\n\n\n[user]\n\n'],
      ],
    });
    expect(summaryOf(plan)).toEqual({
      summary:
        'nothing affected: 1 change with no effective change (support.prompt: every one of 5 rendered requests is byte-identical)',
      changes: [['support.prompt', 'none', { total: 5, changed: 0 }]],
      suites: [],
      warnings: [],
    });
    expect(plan.files.map((f) => [f.path, f.components])).toEqual([
      ['prompts/support.md', ['support.prompt']],
    ]);
    expect(renderPlanText(plan)).toContain(
      `  prompt     support.prompt  ${plan.changes[0]!.old} → ${plan.changes[0]!.new}  prompts/support.md  (no effective change: every one of 5 rendered requests is byte-identical)\n`,
    );
    expect(renderPlanText(plan)).toContain('Suites to run (0 of 4):\n  none\n');
    expectCacheAgrees(repo, plan, 'support.prompt');
  });

  it('a wording edit changes every request of the target: its suites run, and the plan says how many changed', async () => {
    const plan = await planEdit(repo, 'wording', {
      'prompts/support.md': [['a helpful support agent', 'a patient support agent']],
    });
    expect(summaryOf(plan)).toEqual({
      summary: '1 of 4 suites affected by 1 change',
      changes: [['support.prompt', 'changed', { total: 5, changed: 5 }]],
      suites: ['support-qa'],
      warnings: [],
    });
    expect(renderPlanText(plan)).toContain('prompts/support.md  (5 of 5 rendered requests changed)\n');
    expectCacheAgrees(repo, plan, 'support.prompt');
  });

  it('an edit to a partial that changes the output is followed into the prompt that includes it', async () => {
    const plan = await planEdit(repo, 'partial', {
      'prompts/partials/tone.md': [['concise and friendly', 'concise, friendly and exact']],
    });
    expect(summaryOf(plan)).toEqual({
      summary: '1 of 4 suites affected by 1 change',
      changes: [['support.prompt', 'changed', { total: 5, changed: 5 }]],
      suites: ['support-qa'],
      warnings: [],
    });
  });

  it('an edit to template syntax that renders nothing (spacing inside {{ }} tags) is no effective change', async () => {
    const plan = await planEdit(repo, 'tags', {
      'prompts/support.md': [
        ['{{input}}', '{{  input }}'],
        ['{{> partials/tone.md}}', '{{>partials/tone.md }}'],
      ],
    });
    expect(summaryOf(plan)).toEqual({
      summary:
        'nothing affected: 1 change with no effective change (support.prompt: every one of 5 rendered requests is byte-identical)',
      changes: [['support.prompt', 'none', { total: 5, changed: 0 }]],
      suites: [],
      warnings: [],
    });
  });

  it('a model file edit that changes a request parameter (temperature) is a change: the suites and every safety suite run', async () => {
    const plan = await planEdit(repo, 'temperature', {
      'models/billing.json': [['"temperature": 0,', '"temperature": 0.3,']],
    });
    expect(summaryOf(plan)).toEqual({
      summary: '2 of 4 suites affected by 1 change',
      changes: [['billing.model', 'changed', { total: 3, changed: 3 }]],
      suites: ['billing-qa', 'safety'],
      warnings: [],
    });
    expectCacheAgrees(repo, plan, 'billing.model');
  });

  it("a model file edit the prompt's front matter overrides is no effective change: not even safety suites run", async () => {
    const plan = await planEdit(repo, 'overridden', {
      'models/support.yml': [['temperature: 0.2', 'temperature: 0.9']],
    });
    expect(summaryOf(plan)).toEqual({
      summary:
        'nothing affected: 1 change with no effective change (support.model: every one of 5 rendered requests is byte-identical)',
      changes: [['support.model', 'none', { total: 5, changed: 0 }]],
      suites: [],
      warnings: [],
    });
    expectCacheAgrees(repo, plan, 'support.model');
  });

  it('a component an http target uses is not rendered: it selects suites as before', async () => {
    const plan = await planEdit(repo, 'policy', {
      'prompts/partials/policy.md': [['30 days', '30 days\n\n']],
    });
    expect(summaryOf(plan)).toEqual({
      summary: '2 of 4 suites affected by 1 change',
      changes: [['policy', undefined, undefined]],
      suites: ['support-qa', 'web-qa'],
      warnings: [],
    });
    expect(plan.changes[0]).not.toHaveProperty('effect');
  });

  it('a request that cannot be rendered counts as a change, with a warning saying why', async () => {
    const plan = await planEdit(repo, 'missing-var', {
      'prompts/support.md': [['{{input}}', '{{input}} ({{customer.name}})']],
    });
    expect(summaryOf(plan)).toEqual({
      summary: '1 of 4 suites affected by 1 change',
      changes: [['support.prompt', undefined, undefined]],
      suites: ['support-qa'],
      warnings: [
        "support.prompt: its requests could not be rendered to compare base and head, so it counts as a change: prompts/support.md: missing variable 'customer.name' used in prompts/support.md:10",
      ],
    });
  });

  it('the warning is one line of plain text, whatever the broken prompt holds', async () => {
    const plan = await planEdit(repo, 'control-chars', {
      'prompts/support.md': [['---\n[system]', '---\nHi \u001b[31mthere\u202e\n[system]']],
    });
    expect(plan.suites.map((s) => s.id)).toEqual(['support-qa']);
    expect(plan.warnings).toEqual([
      'support.prompt: its requests could not be rendered to compare base and head, so it counts as a change: prompts/support.md:4: text before the first role marker ([system], [user], [assistant]): "Hi [31mthere"',
    ]);
  });

  it('a change and a real edit of another component: only the real one selects, the summary names both', async () => {
    const plan = await planEdit(repo, 'mixed', {
      'models/support.yml': [['temperature: 0.2', 'temperature: 0.9']],
      'prompts/billing.yml': [['billing questions', 'billing and invoice questions']],
    });
    expect(summaryOf(plan)).toEqual({
      summary:
        '2 of 4 suites affected by 1 change; 1 change with no effective change (support.model: every one of 5 rendered requests is byte-identical)',
      changes: [
        ['billing.prompt', 'changed', { total: 3, changed: 3 }],
        ['support.model', 'none', { total: 5, changed: 0 }],
      ],
      suites: ['billing-qa', 'safety'],
      warnings: [],
    });
    expect(plan.suites.flatMap((s) => s.reasons.map((r) => 'component' in r && r.component))).toEqual([
      'billing.prompt',
      'billing.prompt',
    ]);
  });
});

describe('plan: a component shared by several openai targets', () => {
  it("counts every target's requests, and how many of them changed", async () => {
    const suite = (id: string, inputs: string[]) =>
      `id: ${id}\ntarget: ${id}\ngraders: [{ type: contains, value: ok }]\ncases:\n${inputs.map((i) => `  - input: ${i}\n`).join('')}`;
    const repo = newRepo({
      'evalgate.yml': `targets:
  a: { type: openai, prompt: prompts/a.md, model: models/m.yml }
  b: { type: openai, prompt: prompts/b.md, model: models/m.yml }
components:
  wording: { kind: prompt, paths: ['prompts/*.md'] }
suites: [suites/*.yml]
`,
      'prompts/a.md': 'You are A.\n{{input}}\n',
      'prompts/b.md': 'You are B.\n{{input}}\n',
      'models/m.yml': 'model: gpt-4o-mini\n',
      'suites/a.yml': suite('a', ['one', 'two']),
      'suites/b.yml': suite('b', ['three']),
    });
    const plan = await planEdit(repo, 'a-only', { 'prompts/a.md': [['You are A.', 'You are Assistant A.']] });
    expect(summaryOf(plan)).toEqual({
      summary: '2 of 2 suites affected by 1 change',
      changes: [['wording', 'changed', { total: 3, changed: 2 }]],
      suites: ['a', 'b'],
      warnings: [],
    });
    expect(renderPlanText(plan)).toContain('(2 of 3 rendered requests changed)');
    expectCacheAgrees(repo, plan, 'wording');
  });
});
