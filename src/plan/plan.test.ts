import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepo, FIXTURE_FILES, type TempRepo } from '../../test/helpers/git.js';
import type { ComponentVersion } from './classify.js';
import { versionId } from './normalize.js';
import { planFromGit } from './plan.js';
import type { Change, FileChange, Plan, PlannedSuite, Reason } from './types.js';
import { versionsForWorkingTree, versionsOnDisk } from './versions.js';
import { tempDir } from '../../test/helpers/tmp.js';

const SUITES: Record<string, Omit<PlannedSuite, 'id' | 'reasons'>> = {
  'billing-qa': { target: 'billing', kind: 'regression', file: 'suites/billing-qa.yml' },
  docs: { target: 'support', kind: 'regression', file: 'suites/docs.yml' },
  'rag-qa': { target: 'rag', kind: 'regression', file: 'suites/rag-qa.yml' },
  safety: { target: 'billing', kind: 'safety', file: 'suites/safety.yml' },
  'support-qa': { target: 'support', kind: 'regression', file: 'suites/support-qa.yml' },
  'new-suite': { target: 'billing', kind: 'regression', file: 'suites/new.yml' },
};
/** Suite ids in plan order; each plan lists those that exist at its head. */
const ALL = Object.keys(SUITES).sort();
const ON_MAIN = ALL.filter((id) => id !== 'new-suite');

/**
 * Versions at a revision, computed the other way round: from a checkout on disk, as the run
 * stage computes them. The plan's ids, from git objects, must equal these.
 */
async function versionsAt(repo: TempRepo, rev: string) {
  const dir = tempDir('evalgate-worktree-');
  repo.git('worktree', 'add', '-q', '--detach', dir, rev);
  try {
    const all = (await versionsOnDisk(join(dir, 'evalgate.yml'))).versions.components;
    const system = await versionsForWorkingTree({ configPath: join(dir, 'evalgate.yml') });
    return { all, system };
  } finally {
    repo.git('worktree', 'remove', '--force', dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

type Side = Map<string, ComponentVersion>;

/** Builds the exact plan expected for base...head from the independently computed versions. */
async function expectPlan(
  repo: TempRepo,
  base: string,
  head: string,
  want: {
    summary: string;
    /** `requests`: the change's rendered requests, when the plan renders them. */
    changes: [component: string, files: string[], requests?: { total: number; changed: number }][];
    files: FileChange[];
    suites: [
      id: string,
      reasons: (['always'] | ['dependsOn', string, string] | [Reason['type'], string])[],
    ][];
    removed?: Plan['removed'];
    warnings?: string[];
  },
): Promise<{ plan: Plan; before: Side; after: Side }> {
  const plan = await planFromGit({ cwd: repo.dir, base, head });
  const mergeBase = repo.git('merge-base', base, head);
  const [b, a] = [await versionsAt(repo, mergeBase), await versionsAt(repo, head)];
  const version = (side: Side, name: string) => side.get(name)?.version ?? null;
  const kind = (name: string) => (a.all.get(name) ?? b.all.get(name))!.kind;
  const changes: Change[] = want.changes.map(([component, files, requests]) => {
    const old = version(b.all, component);
    const now = version(a.all, component);
    expect(old, `${component} must change`).not.toBe(now);
    return {
      component,
      kind: kind(component),
      status: old === null ? 'added' : now === null ? 'removed' : 'modified',
      old,
      new: now,
      files,
      ...(requests && { effect: requests.changed === 0 ? 'none' : 'changed', requests }),
    };
  });
  const reason = (spec: ['always'] | ['dependsOn', string, string] | [Reason['type'], string]): Reason => {
    if (spec[0] === 'always') return { type: 'always' };
    if (spec[0] === 'dependsOn') return { type: 'dependsOn', pattern: spec[1], path: spec[2]! };
    const [type, component] = spec as ['suite' | 'config' | 'component' | 'safety', string];
    return {
      type,
      component,
      kind: kind(component),
      old: version(b.all, component),
      new: version(a.all, component),
    };
  };
  const selected = want.suites.map(([id]) => id);
  const headSuites = ALL.filter((id) => a.all.has(`suite:${id}`));
  expect(plan).toEqual({
    schemaVersion: 3,
    base: { ref: base, sha: repo.sha(base) },
    head: { ref: head, sha: repo.sha(head) },
    mergeBase,
    config: 'evalgate.yml',
    root: '.',
    summary: want.summary,
    changes,
    files: want.files,
    suites: want.suites.map(([id, reasons]) => ({ id, ...SUITES[id]!, reasons: reasons.map(reason) })),
    unaffected: headSuites.filter((id) => !selected.includes(id)),
    removed: want.removed ?? [],
    components: a.system.components,
    targets: a.system.targets,
    warnings: want.warnings ?? [],
  });
  return { plan, before: b.all, after: a.all };
}

const file = (path: string, components: string[], extra: Partial<FileChange> = {}): FileChange => ({
  path,
  status: 'modified',
  binary: false,
  components,
  unclassified: false,
  ...extra,
});

describe('plan: change detection against real git history', () => {
  let repo: TempRepo;
  const text = (path: string) => readFileSync(join(repo.dir, path), 'utf8');
  /** A branch off `from` with one commit of `edits`: [path, search, replace] or whole files. */
  const change = (branch: string, edits: Record<string, string | Buffer | null>, from = 'main') => {
    repo.branch(branch, from);
    for (const [path, content] of Object.entries(edits)) {
      if (content === null) repo.remove(path);
      else repo.write({ [path]: content });
    }
    repo.commit(branch);
    repo.checkout('main');
  };
  const replace = (path: string, from: string, to: string) => {
    const before = text(path);
    expect(before, `${path} contains ${from}`).toContain(from);
    return before.replace(from, to);
  };

  beforeAll(() => {
    repo = createFixtureRepo();
  });
  afterAll(() => rmSync(repo.dir, { recursive: true, force: true }));

  it('a prompt body edit is a prompt change: the suites of its target run', async () => {
    change('prompt-body', {
      'prompts/support.md': replace('prompts/support.md', 'a helpful support', 'a patient support'),
    });
    const { before, after } = await expectPlan(repo, 'main', 'prompt-body', {
      summary: '2 of 5 suites affected by 1 change',
      changes: [['support.prompt', ['prompts/support.md'], { total: 3, changed: 3 }]],
      files: [file('prompts/support.md', ['support.prompt'])],
      suites: [
        ['docs', [['component', 'support.prompt']]],
        ['support-qa', [['component', 'support.prompt']]],
      ],
    });
    // The front matter's model settings are the model's, so the body edit leaves it be.
    expect(after.get('support.model')).toEqual(before.get('support.model'));
  });

  it("a front-matter `model:` edit is a model change: its target's suites and every safety suite run", async () => {
    change('front-matter-model', {
      'prompts/support.md': replace('prompts/support.md', 'model: gpt-4o-mini', 'model: gpt-4o'),
    });
    const { before, after } = await expectPlan(repo, 'main', 'front-matter-model', {
      summary: '3 of 5 suites affected by 1 change',
      changes: [['support.model', ['prompts/support.md'], { total: 3, changed: 3 }]],
      files: [file('prompts/support.md', ['support.model'])],
      suites: [
        ['docs', [['component', 'support.model']]],
        ['safety', [['safety', 'support.model']]],
        ['support-qa', [['component', 'support.model']]],
      ],
    });
    expect(after.get('support.prompt')).toEqual(before.get('support.prompt'));
  });

  it('a model-config key edit is a model change', async () => {
    change('model-key', {
      'models/billing.json': replace('models/billing.json', '"temperature": 0', '"temperature": 0.3'),
    });
    await expectPlan(repo, 'main', 'model-key', {
      summary: '2 of 5 suites affected by 1 change',
      changes: [['billing.model', ['models/billing.json'], { total: 2, changed: 2 }]],
      files: [file('models/billing.json', ['billing.model'])],
      // The safety suite tests billing itself: the reason is the direct one.
      suites: [
        ['billing-qa', [['component', 'billing.model']]],
        ['safety', [['component', 'billing.model']]],
      ],
    });
  });

  it('a retrieval key edit in a shared app config is a retrieval change', async () => {
    change('retrieval-key', { 'config/app.yml': replace('config/app.yml', 'top_k: 5', 'top_k: 8') });
    const { before, after } = await expectPlan(repo, 'main', 'retrieval-key', {
      summary: '1 of 5 suites affected by 1 change',
      changes: [['retrieval', ['config/app.yml']]],
      files: [file('config/app.yml', ['retrieval'])],
      suites: [['rag-qa', [['component', 'retrieval']]]],
    });
    expect(after.get('rag-model')).toEqual(before.get('rag-model'));
  });

  it('a model key in the same file belongs to the model component', async () => {
    change('app-model-key', {
      'config/app.yml': replace('config/app.yml', 'temperature: 0.1', 'temperature: 0.4'),
    });
    await expectPlan(repo, 'main', 'app-model-key', {
      summary: '2 of 5 suites affected by 1 change',
      changes: [['rag-model', ['config/app.yml']]],
      files: [file('config/app.yml', ['rag-model'])],
      suites: [
        ['rag-qa', [['component', 'rag-model']]],
        ['safety', [['safety', 'rag-model']]],
      ],
    });
  });

  it('a key no component claims, in a file nothing claims whole, is an unclassified change', async () => {
    change('unclaimed-key', { 'config/app.yml': replace('config/app.yml', 'level: info', 'level: debug') });
    await expectPlan(repo, 'main', 'unclaimed-key', {
      summary: 'nothing affected: 1 changed file, 1 with changes no component, suite or config claims',
      changes: [],
      files: [file('config/app.yml', [], { unclassified: true })],
      suites: [],
    });
  });

  it('whitespace-only edits to YAML and JSON, and line endings and blank lines at the end of a prompt, change nothing', async () => {
    change('whitespace', {
      'models/support.yml': replace(
        'models/support.yml',
        'temperature: 0.2\n',
        'temperature:    0.2   \n\n\n',
      ),
      'models/billing.json': '{"model":"gpt-4o","temperature":0,"max_tokens":500}',
      'prompts/support.md': replace('prompts/support.md', 'support agent.\n', 'support agent.\r\n') + '\n\n',
    });
    await expectPlan(repo, 'main', 'whitespace', {
      summary:
        'nothing affected: 3 changed files, 3 with no semantic change (whitespace, comments or key order)',
      changes: [],
      files: [
        file('models/billing.json', []),
        file('models/support.yml', []),
        file('prompts/support.md', []),
      ],
      suites: [],
    });
  });

  it('spaces at the end of a prompt line are sent: a change where they reach a request, none where rendering trims them', async () => {
    // Mid-message, in the prompt and in a partial it includes: the requests change.
    change('trailing-spaces', {
      'prompts/support.md': replace('prompts/support.md', 'support agent.\n', 'support agent.   \n'),
      'prompts/partials/tone.md': 'Be concise and friendly. \n',
    });
    await expectPlan(repo, 'main', 'trailing-spaces', {
      summary: '2 of 5 suites affected by 1 change',
      changes: [
        ['support.prompt', ['prompts/partials/tone.md', 'prompts/support.md'], { total: 3, changed: 3 }],
      ],
      files: [
        file('prompts/partials/tone.md', ['support.prompt']),
        file('prompts/support.md', ['support.prompt']),
      ],
      suites: [
        ['docs', [['component', 'support.prompt']]],
        ['support-qa', [['component', 'support.prompt']]],
      ],
    });
    // At the end of the last message: trimmed when rendered, so every request is the same.
    change('trailing-spaces-edge', {
      'prompts/support.md': replace(
        'prompts/support.md',
        'Question: {{input}}\n',
        'Question: {{input}}   \n',
      ),
    });
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'trailing-spaces-edge' });
    expect(plan.changes.map((c) => [c.component, c.effect, c.requests])).toEqual([
      ['support.prompt', 'none', { total: 3, changed: 0 }],
    ]);
    expect(plan.suites).toEqual([]);
  });

  it('comment-only edits, evalgate.yml included, change nothing', async () => {
    change('comments', {
      'models/support.yml': replace(
        'models/support.yml',
        '# the support model',
        '# the support model\n# tuned in May',
      ),
      'config/app.yml': replace('config/app.yml', 'top_k: 5', 'top_k: 5 # measured best'),
      'evalgate.yml': replace('evalgate.yml', '# evalgate config', '# evalgate configuration for the demo'),
    });
    await expectPlan(repo, 'main', 'comments', {
      summary:
        'nothing affected: 3 changed files, 3 with no semantic change (whitespace, comments or key order)',
      changes: [],
      files: [file('config/app.yml', []), file('evalgate.yml', []), file('models/support.yml', [])],
      suites: [],
    });
  });

  it('key-order-only edits to YAML, JSON and JSON Lines change nothing', async () => {
    change('reorder', {
      'models/billing.json': '{\n  "max_tokens": 500,\n  "temperature": 0,\n  "model": "gpt-4o"\n}\n',
      'config/app.yml':
        'logging:\n  level: info\nllm:\n  temperature: 0.1\n  model: gpt-4o-mini\nretrieval:\n  embedding_model: text-embedding-3-small\n  index: docs-v3\n  top_k: 5\n',
      'data/support.jsonl':
        '{"expected": "reset", "input": "How do I reset my password?"}\n{"expected": "refund", "input": "Can I get a refund?"}\n',
    });
    await expectPlan(repo, 'main', 'reorder', {
      summary:
        'nothing affected: 3 changed files, 3 with no semantic change (whitespace, comments or key order)',
      changes: [],
      files: [file('config/app.yml', []), file('data/support.jsonl', []), file('models/billing.json', [])],
      suites: [],
    });
  });

  it('a renamed partial is a rename of the prompt that includes it, with no effect on what is sent', async () => {
    repo.branch('rename');
    repo.git('mv', 'prompts/partials/tone.md', 'prompts/partials/voice.md');
    repo.write({
      'prompts/support.md': replace('prompts/support.md', 'partials/tone.md', 'partials/voice.md'),
    });
    repo.commit('rename');
    repo.checkout('main');
    await expectPlan(repo, 'main', 'rename', {
      summary:
        'nothing affected: 1 change with no effective change (support.prompt: every one of 3 rendered requests is byte-identical)',
      changes: [
        ['support.prompt', ['prompts/partials/voice.md', 'prompts/support.md'], { total: 3, changed: 0 }],
      ],
      files: [
        file('prompts/partials/voice.md', ['support.prompt'], {
          status: 'renamed',
          previousPath: 'prompts/partials/tone.md',
        }),
        file('prompts/support.md', ['support.prompt']),
      ],
      suites: [],
    });
  });

  it('a suite deleted at head is reported, not run', async () => {
    change('delete-suite', { 'suites/docs.yml': null });
    await expectPlan(repo, 'main', 'delete-suite', {
      summary: 'nothing affected: 1 change (suite:docs) reaches no suite; 1 suite removed at head',
      changes: [['suite:docs', ['suites/docs.yml']]],
      files: [file('suites/docs.yml', ['suite:docs'], { status: 'deleted' })],
      suites: [],
      removed: [{ id: 'docs', file: 'suites/docs.yml' }],
    });
  });

  it('a deleted component file is a change of that component', async () => {
    change('delete-index', { 'index/embeddings.bin': null });
    await expectPlan(repo, 'main', 'delete-index', {
      summary: '1 of 5 suites affected by 1 change',
      changes: [['index', ['index/embeddings.bin']]],
      files: [file('index/embeddings.bin', ['index'], { status: 'deleted', binary: true })],
      suites: [['rag-qa', [['component', 'index']]]],
      warnings: ["evalgate.yml:26:13: components.index.paths[0]: 'index/*.bin' matches no file"],
    });
  });

  it('a binary file is versioned by its blob id, never parsed', async () => {
    change('binary', { 'index/embeddings.bin': Buffer.from([0, 9, 8, 7, 0, 1]) });
    const { after } = await expectPlan(repo, 'main', 'binary', {
      summary: '1 of 5 suites affected by 1 change',
      changes: [['index', ['index/embeddings.bin']]],
      files: [file('index/embeddings.bin', ['index'], { binary: true })],
      suites: [['rag-qa', [['component', 'index']]]],
    });
    const blob = repo.git('rev-parse', 'binary:index/embeddings.bin');
    expect(after.get('index')!.version).toBe(versionId([['index/embeddings.bin', '*', `blob:${blob}`]]));
  });

  it('a suite file edit runs that suite', async () => {
    change('suite-edit', {
      'suites/billing-qa.yml': text('suites/billing-qa.yml') + '  - input: Why was I charged twice?\n',
    });
    await expectPlan(repo, 'main', 'suite-edit', {
      summary: '1 of 5 suites affected by 1 change',
      changes: [['suite:billing-qa', ['suites/billing-qa.yml']]],
      files: [file('suites/billing-qa.yml', ['suite:billing-qa'])],
      suites: [['billing-qa', [['suite', 'suite:billing-qa']]]],
    });
  });

  it('a dataset edit runs the suite that reads it', async () => {
    change('dataset-edit', {
      'data/support.jsonl': replace('data/support.jsonl', '"refund"}', '"refunds"}'),
    });
    await expectPlan(repo, 'main', 'dataset-edit', {
      summary: '1 of 5 suites affected by 1 change',
      changes: [['suite:support-qa', ['data/support.jsonl']]],
      files: [file('data/support.jsonl', ['suite:support-qa'])],
      suites: [['support-qa', [['suite', 'suite:support-qa']]]],
    });
  });

  it('an evalgate.yml edit runs everything', async () => {
    change('config-edit', { 'evalgate.yml': replace('evalgate.yml', '9999/answer', '9999/v2/answer') });
    const { plan } = await expectPlan(repo, 'main', 'config-edit', {
      summary: '5 of 5 suites affected by 1 change',
      changes: [['config:evalgate.yml', ['evalgate.yml']]],
      files: [file('evalgate.yml', ['config:evalgate.yml'])],
      suites: ON_MAIN.map((id) => [id, [['config', 'config:evalgate.yml']]]),
    });
    const main = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' });
    expect(plan.targets.rag!.systemVersion).not.toBe(main.targets.rag!.systemVersion);
    expect(plan.targets.support).toEqual(main.targets.support);
  });

  it('`always: true` suites run even when nothing they use changed', async () => {
    change('always-base', {
      'suites/rag-qa.yml': replace('suites/rag-qa.yml', 'target: rag\n', 'target: rag\nalways: true\n'),
    });
    change('always-head', { 'README.md': '# Demo project, renamed\n' }, 'always-base');
    await expectPlan(repo, 'always-base', 'always-head', {
      summary:
        'nothing affected: 1 changed file, 1 with changes no component, suite or config claims; 1 suite runs anyway (always: true)',
      changes: [],
      files: [file('README.md', [], { unclassified: true })],
      suites: [['rag-qa', [['always']]]],
    });
  });

  it('a partial edit is followed to the prompt that includes it', async () => {
    change('partial-edit', { 'prompts/partials/tone.md': 'Be concise, friendly and exact.\n' });
    await expectPlan(repo, 'main', 'partial-edit', {
      summary: '2 of 5 suites affected by 1 change',
      changes: [['support.prompt', ['prompts/partials/tone.md'], { total: 3, changed: 3 }]],
      files: [file('prompts/partials/tone.md', ['support.prompt'])],
      suites: [
        ['docs', [['component', 'support.prompt']]],
        ['support-qa', [['component', 'support.prompt']]],
      ],
    });
  });

  it('a change touching nothing runs no suite and says so', async () => {
    change('nothing', { 'README.md': '# Demo project\n\nNow with a paragraph.\n' });
    const { plan } = await expectPlan(repo, 'main', 'nothing', {
      summary: 'nothing affected: 1 changed file, 1 with changes no component, suite or config claims',
      changes: [],
      files: [file('README.md', [], { unclassified: true })],
      suites: [],
    });
    expect(plan.suites).toEqual([]);
  });

  it("a file matching a suite's dependsOn runs that suite", async () => {
    change('depends-on', { 'docs/faq.md': '# FAQ\n\nAsk us anything, any time.\n' });
    await expectPlan(repo, 'main', 'depends-on', {
      summary: '1 of 5 suites affected through files they depend on',
      changes: [],
      files: [file('docs/faq.md', [], { unclassified: true })],
      suites: [['docs', [['dependsOn', 'docs/**', 'docs/faq.md']]]],
    });
  });

  it('several changes at once: every reason is listed, in a stable order', async () => {
    change('several', {
      'models/support.yml': replace('models/support.yml', 'max_tokens: 300', 'max_tokens: 400'),
      'prompts/partials/tone.md': 'Be warm.\n',
      'suites/docs.yml': text('suites/docs.yml') + '  - input: Where is the FAQ?\n',
      'suites/new.yml':
        'id: new-suite\ntarget: billing\ngraders: [{ type: contains, value: x }]\ncases: [{ input: hi }]\n',
    });
    await expectPlan(repo, 'main', 'several', {
      summary: '4 of 6 suites affected by 4 changes',
      changes: [
        ['suite:docs', ['suites/docs.yml']],
        ['suite:new-suite', ['suites/new.yml']],
        // One target: both changes report its requests, the two docs cases among them.
        ['support.model', ['models/support.yml'], { total: 4, changed: 4 }],
        ['support.prompt', ['prompts/partials/tone.md'], { total: 4, changed: 4 }],
      ],
      files: [
        file('models/support.yml', ['support.model']),
        file('prompts/partials/tone.md', ['support.prompt']),
        file('suites/docs.yml', ['suite:docs']),
        file('suites/new.yml', ['suite:new-suite'], { status: 'added' }),
      ],
      suites: [
        [
          'docs',
          [
            ['suite', 'suite:docs'],
            ['component', 'support.model'],
            ['component', 'support.prompt'],
          ],
        ],
        ['new-suite', [['suite', 'suite:new-suite']]],
        ['safety', [['safety', 'support.model']]],
        [
          'support-qa',
          [
            ['component', 'support.model'],
            ['component', 'support.prompt'],
          ],
        ],
      ],
    });
  });

  it('the run stage versions a clean checkout exactly as the plan does at head', async () => {
    const plan = await planFromGit({ cwd: repo.dir, base: 'main', head: 'main' });
    const disk = await versionsForWorkingTree({ configPath: join(repo.dir, 'evalgate.yml') });
    expect(disk).toEqual({ components: plan.components, targets: plan.targets, warnings: [] });
    expect(plan.summary).toBe('nothing affected: base and head have the same files');
    expect(Object.keys(plan.components)).toEqual([
      'billing.model',
      'billing.prompt',
      'index',
      'rag-code',
      'rag-model',
      'retrieval',
      'support.model',
      'support.prompt',
    ]);
    expect(FIXTURE_FILES['evalgate.yml']).toBeDefined();
  });
});
