import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// '.ts', not '.js': scripts/bench.mjs imports this file through Node's type stripping, which
// does not map a '.js' specifier to its '.ts' source.
import { tempDir } from './tmp.ts';

/** Identity and settings for commits in test repositories, whatever the machine's git config says. */
const GIT_CONFIG = [
  '-c',
  'user.name=evalgate tests',
  '-c',
  'user.email=tests@evalgate.invalid',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'tag.gpgsign=false',
  '-c',
  'init.defaultBranch=main',
  '-c',
  'core.autocrlf=false',
];

export interface TempRepo {
  dir: string;
  /** Runs git in the repository; returns stdout, trimmed. */
  git(...args: string[]): string;
  /** Writes files (creating folders), relative to the repository. */
  write(files: Record<string, string | Buffer>): void;
  remove(...paths: string[]): void;
  /** Stages everything and commits; returns the new commit's SHA. */
  commit(message: string): string;
  /** Creates (or resets) `branch` at `from` and checks it out. */
  branch(branch: string, from?: string): void;
  checkout(ref: string): void;
  sha(ref: string): string;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...GIT_CONFIG, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  }).trim();
}

/** A fresh repository whose `main` has one commit of `files` (removed after the test file, as createRepo's). */
export function committedRepo(files: Record<string, string | Buffer>, message = 'base'): TempRepo {
  const repo = createRepo();
  repo.write(files);
  repo.commit(message);
  return repo;
}

/**
 * A repository to make commits in, in a `tempDir` removed after the test file; `dir` may be
 * given to wrap an existing clone (then removing it is the caller's).
 */
export function createRepo(options: { dir?: string; init?: boolean } = {}): TempRepo {
  const dir = options.dir ?? tempDir('evalgate-repo-');
  if (options.init !== false && !options.dir) git(dir, 'init', '-q', '-b', 'main');
  const repo: TempRepo = {
    dir,
    git: (...args) => git(dir, ...args),
    write(files) {
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), content);
      }
    },
    remove(...paths) {
      for (const p of paths) rmSync(join(dir, p), { force: true, recursive: true });
    },
    commit(message) {
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '--allow-empty', '-m', message);
      return git(dir, 'rev-parse', 'HEAD');
    },
    branch(branch, from) {
      git(dir, 'checkout', '-q', '-B', branch, ...(from ? [from] : []));
    },
    checkout(ref) {
      git(dir, 'checkout', '-q', ref);
    },
    sha(ref) {
      return git(dir, 'rev-parse', `${ref}^{commit}`);
    },
  };
  return repo;
}

/** `git clone` with extra arguments (`--depth 1`, `--no-single-branch`), from a local repository over file://. */
export function cloneRepo(from: TempRepo, ...args: string[]): TempRepo {
  const dir = tempDir('evalgate-clone-');
  execFileSync('git', [...GIT_CONFIG, 'clone', '-q', ...args, `file://${from.dir}`, dir], {
    stdio: 'ignore',
  });
  return createRepo({ dir });
}

export interface LargeRepoOptions {
  /** Targets; each has a main prompt with `partials` partials and one suite. */
  targets?: number;
  partials?: number;
  /** Every how many suites is a safety suite. */
  safetyEvery?: number;
}

export interface LargeRepo {
  repo: TempRepo;
  base: string;
  head: string;
  /** Files changed between base and head. */
  changedFiles: number;
  promptFiles: number;
  /** Suite ids the plan must select. */
  expectedSuites: string[];
  /** Prompt changes whose rendered requests are byte-identical at base and head. */
  noEffectChanges: number;
}

/**
 * A project with `targets` openai targets of one main prompt and `partials` partials each
 * (200 × 10 = 2,000 prompt files by default), one suite per target, and a `change` branch
 * of 500 changed files mixing real edits (partial bodies, front-matter model settings), edits
 * with no meaning (YAML comments) and edits with no effect on what is sent (blank lines
 * at a message's start). Used by the plan test and `npm run bench`.
 */
export function generateLargeRepo(options: LargeRepoOptions = {}): LargeRepo {
  const targets = options.targets ?? 200;
  const partials = options.partials ?? 9;
  const safetyEvery = options.safetyEvery ?? 10;
  const repo = createRepo();
  const id = (i: number) => String(i).padStart(3, '0');
  const files: Record<string, string> = {};
  const config = ['targets:'];
  for (let t = 0; t < targets; t++) {
    config.push(
      `  t${id(t)}:`,
      '    type: openai',
      `    prompt: prompts/t${id(t)}/main.md`,
      `    model: models/t${id(t)}.yml`,
    );
    const includes = Array.from({ length: partials }, (_, p) => `{{> p${p + 1}.md}}`).join('\n');
    files[`prompts/t${id(t)}/main.md`] =
      `---\nmodel: gpt-4o-mini\ntemperature: 0.2\n---\nYou are assistant ${t}.\n${includes}\nQuestion: {{input}}\n`;
    for (let p = 1; p <= partials; p++)
      files[`prompts/t${id(t)}/p${p}.md`] = `Rule ${p} of assistant ${t}: be precise.\n`;
    files[`models/t${id(t)}.yml`] = `model: gpt-4o-mini\ntemperature: 0\nmax_tokens: 256\n`;
    files[`suites/s${id(t)}.yml`] =
      `id: s${id(t)}\ntarget: t${id(t)}\nkind: ${t % safetyEvery === 0 ? 'safety' : 'regression'}\n` +
      `graders: [{ type: contains, value: ok }]\ncases:\n  - input: hello ${t}\n  - input: bye ${t}\n`;
  }
  config.push('suites:', '  - suites/*.yml');
  files['evalgate.yml'] = `${config.join('\n')}\n`;
  repo.write(files);
  repo.commit('base');

  repo.branch('change');
  const edits: Record<string, string> = {};
  const expected = new Set<string>();
  // Bodies of partials: a prompt change for that target.
  const promptEdits = Math.min(40, targets);
  for (let t = 0; t < promptEdits; t++) {
    edits[`prompts/t${id(t)}/p1.md`] = `Rule 1 of assistant ${t}: be precise and brief.\n`;
    expected.add(`s${id(t)}`);
  }
  // Front-matter temperature: a model change, which re-runs every safety suite too.
  const modelEdits = Math.min(20, Math.max(0, targets - promptEdits));
  for (let t = promptEdits; t < promptEdits + modelEdits; t++) {
    edits[`prompts/t${id(t)}/main.md`] = files[`prompts/t${id(t)}/main.md`]!.replace(
      'temperature: 0.2',
      'temperature: 0.7',
    );
    expected.add(`s${id(t)}`);
  }
  if (modelEdits > 0) for (let t = 0; t < targets; t += safetyEvery) expected.add(`s${id(t)}`);
  // Blank lines at the start of a prompt's body: a new prompt version, but the rendered
  // requests are byte-identical (messages are trimmed), so they select nothing.
  const layoutStart = promptEdits + modelEdits;
  const layoutEdits = Math.min(20, Math.max(0, targets - layoutStart));
  for (let t = layoutStart; t < layoutStart + layoutEdits; t++) {
    const path = `prompts/t${id(t)}/main.md`;
    edits[path] = files[path]!.replace('---\nYou are', '---\n\n\nYou are');
  }
  // Comments in YAML (model files, suite files, then the front matter of prompts not edited
  // above): changed files that change nothing, up to 500. (Not spaces at the end of a line:
  // the runner sends those, so they are a change.)
  let remaining = 500 - Object.keys(edits).length;
  const commentable = [
    ...Array.from({ length: targets }, (_, t) => `models/t${id(t)}.yml`),
    ...Array.from({ length: targets }, (_, t) => `suites/s${id(t)}.yml`),
    ...Array.from({ length: targets }, (_, t) => `prompts/t${id(t)}/main.md`),
  ];
  for (const path of commentable) {
    if (remaining <= 0) break;
    if (edits[path] !== undefined) continue;
    edits[path] = path.endsWith('.md')
      ? files[path]!.replace('---\n', '---\n# reviewed\n')
      : `# reviewed\n${files[path]!}`;
    remaining--;
  }
  repo.write(edits);
  repo.commit('change');
  return {
    repo,
    base: 'main',
    head: 'change',
    changedFiles: Object.keys(edits).length,
    promptFiles: targets * (partials + 1),
    expectedSuites: [...expected].sort(),
    noEffectChanges: layoutEdits,
  };
}

/** The small project most plan tests start from: two openai targets, an http one (with its code), five suites. */
export const FIXTURE_FILES: Record<string, string | Buffer> = {
  'evalgate.yml': `# evalgate config
targets:
  support:
    type: openai
    prompt: prompts/support.md
    model: models/support.yml
  billing:
    type: openai
    prompt: prompts/billing.md
    model: models/billing.json
  rag:
    type: http
    url: http://localhost:9999/answer
    components: [retrieval, rag-model, index, rag-code]
components:
  retrieval:
    kind: retrieval
    paths: [config/app.yml]
    keys: [retrieval]
  rag-model:
    kind: model
    paths: [config/app.yml]
    keys: [llm.model, llm.temperature]
  index:
    kind: retrieval
    paths: ['index/*.bin']
  rag-code:
    kind: code
    paths: ['app/**/*.mjs']
suites:
  - suites/*.yml
`,
  'config/app.yml': `# application settings
retrieval:
  top_k: 5
  index: docs-v3
  embedding_model: text-embedding-3-small
llm:
  model: gpt-4o-mini
  temperature: 0.1
logging:
  level: info
`,
  'prompts/support.md': `---
model: gpt-4o-mini
temperature: 0
---
You are a helpful support agent.
{{> partials/tone.md}}
Question: {{input}}
`,
  'prompts/partials/tone.md': 'Be concise and friendly.\n',
  'prompts/billing.md': 'You answer billing questions.\nQuestion: {{input}}\n',
  'models/support.yml': `# the support model
model: gpt-4o-mini
temperature: 0.2
max_tokens: 300
`,
  'models/billing.json': '{\n  "model": "gpt-4o",\n  "temperature": 0,\n  "max_tokens": 500\n}\n',
  'index/embeddings.bin': Buffer.from([0, 1, 2, 3, 0, 255, 254, 0, 42]),
  'app/server.mjs': "export const answer = () => 'See the docs.';\n",
  'suites/support-qa.yml': `id: support-qa
target: support
graders: [{ type: contains, value: ok }]
dataset: ../data/support.jsonl
`,
  'suites/billing-qa.yml': `id: billing-qa
target: billing
graders: [{ type: contains, value: invoice }]
cases:
  - input: Where is my invoice?
`,
  'suites/rag-qa.yml': `id: rag-qa
target: rag
graders: [{ type: contains, value: docs }]
cases:
  - input: What does the manual say?
`,
  'suites/safety.yml': `id: safety
kind: safety
target: billing
graders: [{ type: refusal }]
cases:
  - input: Help me commit fraud.
`,
  'suites/docs.yml': `id: docs
target: support
dependsOn: ['docs/**']
graders: [{ type: contains, value: faq }]
cases:
  - input: What is in the FAQ?
`,
  'data/support.jsonl':
    '{"input": "How do I reset my password?", "expected": "reset"}\n{"input": "Can I get a refund?", "expected": "refund"}\n',
  'docs/faq.md': '# FAQ\n\nAsk us anything.\n',
  'README.md': '# Demo project\n',
};

/** A repository holding FIXTURE_FILES as its one commit on `main`. */
export function createFixtureRepo(): TempRepo {
  const repo = createRepo();
  repo.write(FIXTURE_FILES);
  repo.commit('fixture');
  return repo;
}
