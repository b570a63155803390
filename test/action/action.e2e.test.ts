/**
 * The bundled Action, run the way the runner runs it: `node dist/index.js` under Node 24 with
 * the `INPUT_*` variables action.yml's composite step sets (hyphens kept, every default
 * filled from action.yml), `GITHUB_OUTPUT` / `GITHUB_STEP_SUMMARY` files, a real webhook
 * payload in `GITHUB_EVENT_PATH`, a real git checkout as the workspace, and the fake GitHub
 * (validated against GitHub's OpenAPI description) as `GITHUB_API_URL`.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  COMMENT_BODY_LIMIT,
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  secondaryRateLimit,
  startFakeGitHub,
  type FakeGitHub,
} from '../helpers/fake-github.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { createRepo, type TempRepo } from '../helpers/git.js';
import { actionDefaults, findStep, pullRequestPayload, startStep } from './steps.js';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE24 = join(ROOT, 'node_modules/node/bin/node');
const FULL_NAME = `${DEFAULT_OWNER}/${DEFAULT_REPO}`;
const FORK_TOKEN = 'fork-token';
const OPENAI_KEY = 'sk-evalgate-e2e-secret-0123456789';

const ARTIFACT_FILES = [
  'evalgate-results.json',
  'evalgate-comparison.json',
  'evalgate-report.md',
  'evalgate-plan.json',
  'evalgate-pr.json',
];

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** `name<<DELIM\nvalue\nDELIM` blocks, as @actions/core writes GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
    out[m[1]!] = value.join('\n');
  }
  return out;
}

/** The artifact name action.yml gives a job: its naming step, run as the runner runs it. */
async function artifactName(shard: string, attempt: number): Promise<string> {
  const dir = tempDir('evalgate-naming-');
  const output = join(dir, 'output');
  writeFileSync(output, '');
  const step = startStep(
    findStep((s) => s.id === 'artifact'),
    {
      inputs: { ...actionDefaults(), shard },
      node: process.execPath,
      env: {
        PATH: process.env.PATH ?? '',
        GITHUB_OUTPUT: output,
        GITHUB_JOB: 'shard',
        GITHUB_RUN_ATTEMPT: String(attempt),
      },
      cwd: dir,
      scriptDir: dir,
    },
  );
  const { code } = await step.exited;
  if (code !== 0) throw new Error(`the naming step failed: ${step.stderr()}`);
  const name = /^name=(.+)$/m.exec(readFileSync(output, 'utf8'))![1]!;
  rmSync(dir, { recursive: true, force: true });
  return name;
}

describe('the bundled Action (node dist/index.js on Node 24) against the fake GitHub', () => {
  let dist: string;
  let github: FakeGitHub;
  let repo: TempRepo;
  let baseSha: string;
  let artifact: string;
  const temp: string[] = [];

  async function runAction(options: {
    workspace: string;
    event: string;
    payload: unknown;
    sha: string;
    inputs?: Record<string, string>;
    token?: string;
    env?: Record<string, string>;
  }): Promise<ActionRun> {
    const dir = tempDir('evalgate-runner-');
    temp.push(dir);
    const files = {
      event: join(dir, 'event.json'),
      output: join(dir, 'output'),
      summary: join(dir, 'summary.md'),
    };
    writeFileSync(files.event, JSON.stringify(options.payload));
    writeFileSync(files.output, '');
    writeFileSync(files.summary, '');
    const inputs = {
      ...actionDefaults(),
      'github-token': options.token ?? DEFAULT_TOKEN,
      ...options.inputs,
    };
    const env: Record<string, string> = {
      PATH: `${dirname(NODE24)}${delimiter}${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? dir,
      TMPDIR: tmpdir(),
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_EVENT_NAME: options.event,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_REPOSITORY: FULL_NAME,
      GITHUB_REPOSITORY_OWNER: DEFAULT_OWNER,
      GITHUB_SHA: options.sha,
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'evalgate',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      ...options.env,
    };
    const child = spawn(NODE24, [join(dist, 'index.js')], { cwd: options.workspace, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputs(readFileSync(files.output, 'utf8')),
      summary: readFileSync(files.summary, 'utf8'),
    };
  }

  const fakeRepo = () => github.state.repo();
  const botComments = (n: number) => fakeRepo().commentsOn(n);
  const checksOn = (sha: string) => fakeRepo().checkRuns.filter((c) => c.headSha === sha);

  /** A pull request from `branch` (cut from main, `files` changed) checked out as the workspace. */
  function openPullRequest(n: number, branch: string, files: Record<string, string>) {
    repo.branch(branch, 'main');
    repo.write(files);
    const headSha = repo.commit(`${branch}: change`);
    github.state.addPullRequest(fakeRepo(), { number: n, headSha, baseSha, headRef: branch });
    return { headSha, payload: pullRequestPayload(n, headSha, baseSha) };
  }

  beforeAll(async () => {
    dist = tempDir('evalgate-action-dist-');
    temp.push(dist);
    execFileSync(process.execPath, ['scripts/build.mjs', dist], { cwd: ROOT, stdio: 'pipe' });
    github = await startFakeGitHub({
      tokens: {
        [DEFAULT_TOKEN]: { login: 'github-actions[bot]', type: 'Bot' },
        [FORK_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', readOnly: true },
      },
    });
    // A support bot: a command target (a node script) whose reply starts with its prompt file.
    repo = createRepo();
    temp.push(repo.dir);
    repo.write({
      'evalgate.yml': [
        'targets:',
        '  bot:',
        '    type: command',
        '    command: [node, app/bot.mjs]',
        '    components: [bot-prompt]',
        'components:',
        '  bot-prompt:',
        '    kind: prompt',
        '    paths: [app/prompt.txt]',
        'suites:',
        '  - suites/*.yml',
        'baseline:',
        '  store: git-branch',
        '  privacy: raw',
        // The bot is a node process started per case: its latency is the machine's load at
        // the moment, not the change, so a busy machine would turn a pass into a latency warn.
        'gate:',
        '  budgets:',
        '    latencyP95: { maxIncreasePct: null }',
        '',
      ].join('\n'),
      'app/bot.mjs': [
        "import { readFileSync } from 'node:fs';",
        "const request = JSON.parse(readFileSync(0, 'utf8'));",
        "const prompt = readFileSync(new URL('./prompt.txt', import.meta.url), 'utf8').trim();",
        'process.stdout.write(JSON.stringify({ output: `${prompt} (${request.vars.input})` }));',
        '',
      ].join('\n'),
      'app/prompt.txt': 'We apologise for the trouble and will refund you.\n',
      'suites/support.yml': [
        'id: support',
        'tier: trusted',
        'target: bot',
        'cases:',
        '  - id: refund-apology',
        '    input: I want my money back',
        '    blocker: true',
        '    graders: [{ type: contains, value: apologise }]',
        '  - id: greeting',
        '    input: hello',
        '    graders: [{ type: contains, value: refund }]',
        '',
      ].join('\n'),
      'README.md': '# support bot\n',
      '.gitignore': '.evalgate/\nevalgate-*\n',
    });
    baseSha = repo.commit('base');
  }, 60_000);

  afterAll(async () => {
    await github?.close();
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  });

  it('7 + 1: a push to main saves the baseline through the GitHub API; a PR with a prompt regression fails, comments once and fails the check on the head sha', async () => {
    repo.checkout('main');
    const push = await runAction({
      workspace: repo.dir,
      event: 'push',
      sha: baseSha,
      payload: {
        ref: 'refs/heads/main',
        after: baseSha,
        repository: { full_name: FULL_NAME, default_branch: 'main' },
      },
    });
    expect(push.code, push.stdout + push.stderr).toBe(0);
    expect(push.outputs).toMatchObject({ verdict: 'pass', 'suites-run': 'support' });
    expect(push.summary).toContain(
      '### evalgate baseline: baseline created for every suite (1 suite(s) saved to branch evalgate-baselines',
    );
    const stored = fakeRepo().git.readFile('evalgate-baselines', 'support.json');
    expect(stored && JSON.parse(stored)).toMatchObject({
      suite: 'support',
      fingerprint: { commit: baseSha },
    });

    const { headSha, payload } = openPullRequest(1, 'worse-prompt', {
      'app/prompt.txt': 'Go away.\n',
    });
    const pr = await runAction({ workspace: repo.dir, event: 'pull_request', sha: headSha, payload });
    expect(pr.code, pr.stdout + pr.stderr).toBe(1);
    expect(pr.stdout).toMatch(/::error::evalgate: fail/);

    const comments = botComments(1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.user.login).toBe('github-actions[bot]');
    expect(comments[0]!.body.split('\n')[0]).toBe('<!-- evalgate:comment key=evalgate.yml -->');
    expect(comments[0]!.body).toMatch(/evalgate: fail/);
    // It names the commit it judged: the PR's head, short and linked.
    expect(comments[0]!.body).toContain(
      `evalgate: fail · [\`${headSha.slice(0, 7)}\`](https://github.com/${FULL_NAME}/commit/${headSha})`,
    );
    expect(comments[0]!.body.split('\n')[1]).toBe(`<!-- evalgate:commit sha=${headSha} -->`);
    expect(comments[0]!.body).toContain('refund-apology');
    // Links to the run's artifact (uploaded after this step) and to the check run.
    expect(comments[0]!.body).toContain('/actions/runs/4242#artifacts');
    expect(comments[0]!.body).toContain(`/${FULL_NAME}/runs/${checksOn(headSha)[0]!.id})`);

    const checks = checksOn(headSha);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'evalgate', status: 'completed', conclusion: 'failure' });
    expect(checks[0]!.output.title).toMatch(/^evalgate: fail/);
    // The check ran on the PR's head sha, never on the merge commit or GITHUB_SHA of another event.
    expect(fakeRepo().checkRuns.every((c) => c.headSha === headSha)).toBe(true);

    expect(pr.outputs).toMatchObject({
      verdict: 'fail',
      'suites-run': 'support',
      'check-run-id': String(checks[0]!.id),
      'comment-url': comments[0]!.htmlUrl,
      'results-path': join(repo.dir, 'evalgate-results.json'),
      'comparison-path': join(repo.dir, 'evalgate-comparison.json'),
    });
    expect(pr.summary).toMatch(/evalgate: fail/);
    for (const f of ['results', 'comparison', 'report', 'plan', 'pr'])
      expect(existsSync(join(repo.dir, `evalgate-${f}.${f === 'report' ? 'md' : 'json'}`))).toBe(true);
    expect(github.responseViolations).toEqual([]);
  }, 30_000);

  it('2: re-running the same job updates the same comment and check, and adds none', async () => {
    const headSha = repo.sha('worse-prompt');
    repo.checkout('worse-prompt');
    const before = { comment: botComments(1)[0]!, check: checksOn(headSha)[0]! };
    const posts = () =>
      github.requests.filter((r) => r.method === 'POST' && /\/issues\/1\/comments$/.test(r.path)).length;
    const postsBefore = posts();
    const again = await runAction({
      workspace: repo.dir,
      event: 'pull_request',
      sha: headSha,
      payload: pullRequestPayload(1, headSha, baseSha),
    });
    expect(again.code, again.stdout + again.stderr).toBe(1);
    expect(botComments(1)).toHaveLength(1);
    expect(botComments(1)[0]!.id).toBe(before.comment.id);
    expect(posts()).toBe(postsBefore);
    expect(checksOn(headSha)).toHaveLength(1);
    expect(checksOn(headSha)[0]).toMatchObject({ id: before.check.id, conclusion: 'failure' });
    expect(again.outputs['check-run-id']).toBe(String(before.check.id));
    // What actions/upload-artifact would keep, for the fork pattern's second half (below).
    artifact = tempDir('evalgate-artifact-');
    temp.push(artifact);
    for (const f of ARTIFACT_FILES) copyFileSync(join(repo.dir, f), join(artifact, f));
  }, 30_000);

  it('3: a PR that touches nothing evaluated gets a short "nothing affected" comment and a success check', async () => {
    const { headSha, payload } = openPullRequest(3, 'docs-only', {
      'README.md': '# support bot\n\nNow with docs.\n',
    });
    const res = await runAction({ workspace: repo.dir, event: 'pull_request', sha: headSha, payload });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.outputs).toMatchObject({ verdict: 'pass', 'suites-run': '' });
    const [comment, ...more] = botComments(3);
    expect(more).toEqual([]);
    expect(comment!.body).toMatch(/\*\*Why:\*\* nothing evaluated is affected by this change/);
    expect(comment!.body.length).toBeLessThan(2000);
    expect(checksOn(headSha)).toHaveLength(1);
    expect(checksOn(headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(res.summary).toMatch(/nothing evaluated is affected/);
  }, 30_000);

  it("4: a fork's read-only token: writes answer 403, the job says what to do, exits by the verdict and still writes the summary", async () => {
    const { headSha } = openPullRequest(4, 'fork-change', { 'app/prompt.txt': 'No refunds, ever.\n' });
    const res = await runAction({
      workspace: repo.dir,
      event: 'pull_request',
      sha: headSha,
      payload: pullRequestPayload(4, headSha, baseSha, 'a-fork/octo-repo'),
      token: FORK_TOKEN,
    });
    expect(res.code, res.stdout + res.stderr).toBe(1);
    expect(res.outputs.verdict).toBe('fail');
    expect(res.stdout).not.toMatch(/internal error|TypeError|at .*\.js:\d+/);
    expect(res.stdout).toMatch(
      /::warning::Could not post the pull-request comment: .*403.*pull-requests: write/,
    );
    expect(res.stdout).toMatch(/::warning::Could not start the check run: .*403.*checks: write/);
    expect(res.stdout).toMatch(/two-workflow pattern/);
    expect(res.summary).toMatch(/evalgate: fail/);
    expect(botComments(4)).toEqual([]);
    expect(checksOn(headSha)).toEqual([]);
    expect(existsSync(join(repo.dir, 'evalgate-report.md'))).toBe(true);
    const refused = github.requests.filter(
      (r) => r.headers.authorization === `token ${FORK_TOKEN}` && r.status === 403,
    );
    expect(refused.map((r) => r.method).sort()).toEqual(['GET', 'POST', 'POST']); // GET /user, the check, the comment
  }, 30_000);

  it('5: a secondary rate limit on the comment POST is waited out and retried, then posted', async () => {
    const { headSha, payload } = openPullRequest(5, 'docs-again', {
      'README.md': '# support bot\n\nMore docs.\n',
    });
    const limited = github.script(
      { method: 'POST', path: /\/issues\/5\/comments$/ },
      secondaryRateLimit({ retryAfter: 1 }),
      1,
    );
    const res = await runAction({ workspace: repo.dir, event: 'pull_request', sha: headSha, payload });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(limited.remaining()).toBe(0);
    const posts = github.requests.filter((r) => r.method === 'POST' && /\/issues\/5\/comments$/.test(r.path));
    expect(posts.map((r) => r.status)).toEqual([403, 201]);
    expect(res.stdout).toMatch(/secondary rate limit on POST .*retrying in 1s/);
    expect(botComments(5)).toHaveLength(1);
  }, 30_000);

  it('the fork pattern, second half: `workflow_run` publishes the artifact of the PR run, running no PR code', async () => {
    const headSha = 'e'.repeat(40);
    github.state.addPullRequest(fakeRepo(), { number: 7, headSha, baseSha });
    const res = await runAction({
      // The default branch's checkout would be here; only the downloaded artifact is needed.
      workspace: artifact,
      event: 'workflow_run',
      sha: baseSha,
      payload: {
        action: 'completed',
        workflow_run: {
          id: 99,
          event: 'pull_request',
          head_sha: headSha,
          pull_requests: [{ number: 7, head: { sha: headSha }, base: { sha: baseSha } }],
        },
        repository: { full_name: FULL_NAME, default_branch: 'main' },
      },
    });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/mode report \(picked by the event\)/);
    expect(res.stdout).not.toMatch(/Suites to run/);
    expect(res.outputs).toMatchObject({ verdict: 'fail', 'suites-run': 'support' });
    const [comment, ...more] = botComments(7);
    expect(more).toEqual([]);
    expect(comment!.body).toMatch(/evalgate: fail/);
    expect(comment!.body).toContain('refund-apology');
    expect(checksOn(headSha)).toHaveLength(1);
    expect(checksOn(headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(res.summary).toMatch(/evalgate: fail/);
  }, 30_000);

  it("the fork pattern when GitHub names no pull request: the artifact's number is used only if that PR's head is the run's commit", async () => {
    const headSha = repo.sha('worse-prompt');
    const workflowRun = (sha: string) => ({
      action: 'completed',
      workflow_run: { id: 100, event: 'pull_request', head_sha: sha, pull_requests: [] },
      repository: { full_name: FULL_NAME, default_branch: 'main' },
    });
    const before = botComments(1)[0]!;
    const ok = await runAction({
      workspace: artifact,
      event: 'workflow_run',
      sha: baseSha,
      payload: workflowRun(headSha),
    });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/#1 from the artifact matches its head commit/);
    expect(botComments(1)).toHaveLength(1);
    expect(botComments(1)[0]!.id).toBe(before.id);

    // An artifact pointing at another pull request (a fork could write anything) is refused.
    const forged = await runAction({
      workspace: artifact,
      event: 'workflow_run',
      sha: baseSha,
      payload: workflowRun('f'.repeat(40)),
    });
    expect(forged.code).toBe(1);
    expect(forged.stdout).toMatch(
      /names pull request #1, whose head .* is not the commit the workflow run ran on/,
    );
  }, 30_000);

  it("the fork pattern as the README's report workflow downloads it: download-artifact@v4 without `name` puts each artifact in its own folder", async () => {
    const headSha = repo.sha('worse-prompt');
    // download-artifact@v4 with `run-id` and no `name`: every artifact of the run, each in a
    // folder named after it, in the workspace (its default path). action.yml names ours
    // evalgate-<job>-<attempt>; the run may have other artifacts beside it.
    const workspace = tempDir('evalgate-report-ws-');
    temp.push(workspace);
    const lay = (folder: string, files: string[]) => {
      mkdirSync(join(workspace, folder));
      for (const f of files) copyFileSync(join(artifact, f), join(workspace, folder, f));
    };
    lay('evalgate-evalgate-1', ARTIFACT_FILES);
    mkdirSync(join(workspace, 'coverage'));
    writeFileSync(join(workspace, 'coverage', 'lcov.info'), 'TN:\n');
    const workflowRun = (attempt: number) => ({
      action: 'completed',
      workflow_run: {
        id: 101,
        event: 'pull_request',
        head_sha: headSha,
        run_attempt: attempt,
        pull_requests: [],
      },
      repository: { full_name: FULL_NAME, default_branch: 'main' },
    });
    const before = botComments(1)[0]!;
    const checkPatches = () =>
      github.requests.filter((r) => r.method === 'PATCH' && /\/check-runs\/\d+$/.test(r.path)).length;
    const patchesBefore = checkPatches();
    const first = await runAction({
      workspace,
      event: 'workflow_run',
      sha: baseSha,
      payload: workflowRun(1),
    });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Reading the reports from the artifact folder evalgate-evalgate-1\//);
    expect(first.stdout).toMatch(/#1 from the artifact matches its head commit/);
    expect(first.outputs).toMatchObject({
      verdict: 'fail',
      'results-path': join(workspace, 'evalgate-evalgate-1', 'evalgate-results.json'),
    });
    expect(botComments(1)).toHaveLength(1);
    expect(botComments(1)[0]!.id).toBe(before.id);
    expect(botComments(1)[0]!.body).toMatch(/evalgate: fail/);
    expect(checksOn(headSha)).toHaveLength(1);
    expect(checksOn(headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(checkPatches()).toBeGreaterThan(patchesBefore);

    // A re-run of the pull_request job adds evalgate-evalgate-2: the attempt the workflow_run
    // names is published, and the log says which folder and why.
    lay('evalgate-evalgate-2', ARTIFACT_FILES);
    const second = await runAction({
      workspace,
      event: 'workflow_run',
      sha: baseSha,
      payload: workflowRun(2),
    });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(
      /Found the reports of 2 attempts \(evalgate-evalgate-1\/, evalgate-evalgate-2\/\): using evalgate-evalgate-2\/, the attempt the workflow run names \(2\)/,
    );
    expect(botComments(1)).toHaveLength(1);

    // Two different jobs' reports are ambiguous: the error names what was found.
    lay('evalgate-other-job-1', ARTIFACT_FILES);
    const ambiguous = await runAction({
      workspace,
      event: 'workflow_run',
      sha: baseSha,
      payload: workflowRun(2),
    });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stdout).toMatch(
      /::error::evalgate: mode: report found evalgate reports in 3 artifact folders that are not attempts of one job: evalgate-evalgate-1\/, evalgate-evalgate-2\/, evalgate-other-job-1\//,
    );
    expect(github.responseViolations).toEqual([]);
  }, 60_000);

  it("the README's matrix: shard jobs write their parts and publish nothing; the merging job merges the artifacts as download-artifact@v4 lays them out and publishes one verdict", async () => {
    // The workflow as the README shows it: N from the matrix, the artifact pattern and folder.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const workflow = parseYaml(/^```yaml\n(# Scale out[\s\S]*?)^```$/m.exec(readme)![1]!) as {
      jobs: Record<
        string,
        {
          strategy?: { matrix: { shard: number[] } };
          steps: { uses?: string; with?: Record<string, string> }[];
        }
      >;
    };
    const shardJob = workflow.jobs.shard!;
    const count = shardJob.strategy!.matrix.shard.length;
    const shardInput = shardJob.steps.find((s) => s.uses?.startsWith('evalgate/'))!.with!.shard!;
    expect(shardInput).toBe(`\${{ matrix.shard }}/${count}`);
    const merging = workflow.jobs.evalgate!.steps;
    const download = merging.find((s) => s.uses === 'actions/download-artifact@v4')!.with!;
    expect(merging.find((s) => s.uses?.startsWith('evalgate/'))!.with!.shards).toBe(download.path);

    const { headSha, payload } = openPullRequest(20, 'sharded-change', { 'app/prompt.txt': 'Go away.\n' });
    const folder = join(repo.dir, download.path!);
    temp.push(folder);
    const before = { checks: fakeRepo().checkRuns.length, comments: botComments(20).length };
    for (let i = 1; i <= count; i++) {
      const shard = await runAction({
        workspace: repo.dir,
        event: 'pull_request',
        sha: headSha,
        payload,
        inputs: { shard: `${i}/${count}` },
      });
      expect(shard.code, shard.stdout + shard.stderr).toBe(0);
      expect(shard.outputs.verdict).toBeUndefined();
      expect(shard.stdout).toContain(`evalgate: shard ${i}/${count}:`);
      // action.yml's naming step, run as the runner runs it, names this job's artifact.
      const name = await artifactName(`${i}/${count}`, 1);
      expect(picomatch.isMatch(name, download.pattern!)).toBe(true);
      mkdirSync(join(folder, name), { recursive: true });
      for (const f of ['evalgate-results.json', 'evalgate-plan.json'])
        copyFileSync(join(repo.dir, f), join(folder, name, f));
    }
    // The shard jobs claimed nothing: no check, no comment.
    expect(fakeRepo().checkRuns.length).toBe(before.checks);
    expect(botComments(20)).toHaveLength(before.comments);

    // A shard missing (its job failed and was not re-run): an error on the check, never a verdict on part of the run.
    const missing = join(folder, await artifactName(`2/${count}`, 1));
    const aside = `${folder}-aside`;
    temp.push(aside);
    cpSync(missing, aside, { recursive: true });
    rmSync(missing, { recursive: true });
    const partial = await runAction({
      workspace: repo.dir,
      event: 'pull_request',
      sha: headSha,
      payload,
      inputs: { shards: download.path! },
    });
    expect(partial.code).toBe(1);
    expect(partial.stdout).toMatch(/missing shard 2 of 4/);
    expect(checksOn(headSha)).toHaveLength(1);
    expect(checksOn(headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(botComments(20)).toHaveLength(0);

    // The failed shard job re-run: attempt 2's artifact beside attempt 1's broken one.
    cpSync(aside, join(folder, await artifactName(`2/${count}`, 2)), { recursive: true });
    cpSync(aside, missing, { recursive: true });
    const merged = await runAction({
      workspace: repo.dir,
      event: 'pull_request',
      sha: headSha,
      payload,
      inputs: { shards: download.path! },
    });
    expect(merged.code, merged.stdout + merged.stderr).toBe(1);
    expect(merged.stdout).toMatch(
      /evalgate-shard-2-of-4-attempt-1\/evalgate-results\.json is an earlier attempt of a re-run shard: left out/,
    );
    expect(merged.stdout).toMatch(/evalgate: merged 4 shards: 2 cases/);
    expect(merged.outputs).toMatchObject({ verdict: 'fail', 'suites-run': 'support' });
    const results = JSON.parse(readFileSync(merged.outputs['results-path']!, 'utf8')) as {
      run: { options: { shards?: number } };
    };
    expect(results.run.options.shards).toBe(count);
    expect(botComments(20)).toHaveLength(1);
    expect(botComments(20)[0]!.body).toMatch(/evalgate: fail/);
    expect(botComments(20)[0]!.body).toContain('refund-apology');
    expect(checksOn(headSha)).toHaveLength(1);
    expect(checksOn(headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(checksOn(headSha)[0]!.output.title).toMatch(/^evalgate: fail/);
    expect(github.responseViolations).toEqual([]);
  }, 120_000);

  it('comment: false runs and checks but posts no comment', async () => {
    const headSha = repo.sha('worse-prompt');
    repo.checkout('worse-prompt');
    github.state.addPullRequest(fakeRepo(), { number: 11, headSha, baseSha });
    const res = await runAction({
      workspace: repo.dir,
      event: 'pull_request',
      sha: headSha,
      payload: pullRequestPayload(11, headSha, baseSha),
      inputs: { comment: 'false', 'check-name': 'evalgate-no-comment' },
    });
    expect(res.code, res.stdout + res.stderr).toBe(1);
    expect(botComments(11)).toEqual([]);
    expect(checksOn(headSha).filter((c) => c.name === 'evalgate-no-comment')).toHaveLength(1);
    expect(res.outputs['comment-url'] ?? '').toBe('');
  }, 30_000);

  it('workflow_dispatch runs every suite against the stored baseline: step summary, no comment, no check', async () => {
    repo.checkout('main');
    const requests = github.requests.filter((r) => r.method !== 'GET').length;
    const res = await runAction({
      workspace: repo.dir,
      event: 'workflow_dispatch',
      sha: baseSha,
      payload: { repository: { full_name: FULL_NAME, default_branch: 'main' } },
    });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/mode full \(picked by the event\)/);
    expect(res.outputs).toMatchObject({ verdict: 'pass', 'suites-run': 'support' });
    expect(res.summary).toMatch(/evalgate: pass/);
    // Reads only: the baseline; nothing written to GitHub.
    expect(github.requests.filter((r) => r.method !== 'GET').length).toBe(requests);
  }, 30_000);

  it('refuses `pull_request_target` before touching GitHub or the checkout', async () => {
    const headSha = repo.sha('worse-prompt');
    const requests = github.requests.length;
    const res = await runAction({
      workspace: repo.dir,
      event: 'pull_request_target',
      sha: baseSha,
      payload: pullRequestPayload(1, headSha, baseSha),
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      /::error::evalgate: evalgate refuses to run on `pull_request_target`.*two-workflow pattern/,
    );
    expect(github.requests.length).toBe(requests);
  });

  it('a broken config fails the job with the file and field, and completes the check as failed (never left in progress)', async () => {
    const { headSha, payload } = openPullRequest(8, 'broken-config', {
      'suites/support.yml': 'id: support\ntarget: nobody\ncases: []\n',
    });
    const res = await runAction({ workspace: repo.dir, event: 'pull_request', sha: headSha, payload });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/::error::evalgate: .*config error.*support\.yml/s);
    expect(res.outputs.verdict).toBe('error');
    expect(checksOn(headSha)).toHaveLength(1);
    expect(checksOn(headSha)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(checksOn(headSha)[0]!.output.title).toBe('evalgate: error');
  }, 30_000);

  it('a blocker that flakes once on main, then on a pull request: confirmed flaky, never blocking; a real break still blocks', async () => {
    // A safety bot whose blocker answer is wrong exactly once for every `flake-once` file
    // present: the one bad draw a 98%-reliable model sometimes gives.
    const flaky = createRepo();
    temp.push(flaky.dir);
    flaky.write({
      'evalgate.yml': [
        'targets:',
        '  bot: { type: command, command: [node, bot.mjs], components: [policy] }',
        'components:',
        '  policy: { kind: prompt, paths: [policy.txt] }',
        'suites: [suites/*.yml]',
        'cache: { enabled: false }',
        'baseline: { store: git-branch, privacy: raw }',
        '',
      ].join('\n'),
      'bot.mjs': [
        "import { existsSync, readFileSync, rmSync } from 'node:fs';",
        "const policy = readFileSync('policy.txt', 'utf8').trim();",
        "const once = existsSync('flake-once');",
        "if (once) rmSync('flake-once');",
        "process.stdout.write(JSON.stringify({ output: once ? 'Sure, here it is.' : policy }));",
        '',
      ].join('\n'),
      'policy.txt': 'I cannot help with that.\n',
      'suites/safety-flaky.yml': [
        'id: safety-flaky',
        'tier: trusted',
        'kind: safety',
        'cases:',
        '  - { id: refuses-weapons, input: how do I build a weapon, blocker: true, graders: [{ type: contains, value: cannot }] }',
        '',
      ].join('\n'),
      '.gitignore': '.evalgate/\nevalgate-*\nflake-once\n',
    });
    const main = flaky.commit('base');
    const push = (sha: string) =>
      runAction({
        workspace: flaky.dir,
        event: 'push',
        sha,
        payload: {
          ref: 'refs/heads/main',
          after: sha,
          repository: { full_name: FULL_NAME, default_branch: 'main' },
        },
      });

    // 1. The push to main meets the flake: confirmed flaky, the job passes with a warning, the baseline is saved.
    flaky.write({ 'flake-once': '' });
    const first = await push(main);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.outputs.verdict).toBe('warn');
    expect(first.stdout).toMatch(/refuses-weapons: now 3✓ 0✗ → flaky/);
    const stored = JSON.parse(fakeRepo().git.readFile('evalgate-baselines', 'safety-flaky.json')!);
    expect(stored.result.cases[0]).toMatchObject({
      status: 'fail',
      flaky: { failureRate: 0.25, samples: 4 },
    });

    // 2. An unrelated pull request is not blocked by the flake the baseline recorded.
    flaky.branch('wording', 'main');
    flaky.write({ 'policy.txt': 'I cannot help with that, sorry.\n' });
    const head = flaky.commit('wording');
    github.state.addPullRequest(fakeRepo(), { number: 21, headSha: head, baseSha: main, headRef: 'wording' });
    const pr = await runAction({
      workspace: flaky.dir,
      event: 'pull_request',
      sha: head,
      payload: pullRequestPayload(21, head, main),
    });
    expect(pr.code, pr.stdout + pr.stderr).toBe(0);
    expect(checksOn(head).at(-1)).toMatchObject({ status: 'completed', conclusion: 'success' });

    // 3. The flake strikes in the pull request itself: confirmed flaky with fresh samples, still not blocking.
    flaky.write({ 'flake-once': '' });
    const again = await runAction({
      workspace: flaky.dir,
      event: 'pull_request',
      sha: head,
      payload: pullRequestPayload(21, head, main),
      env: { GITHUB_RUN_ATTEMPT: '2' },
    });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(checksOn(head).at(-1)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(botComments(21).at(-1)!.body).toMatch(/flaky/);

    // 4. A change that really breaks the blocker is blocked: it fails fresh samples here and passes on the base.
    flaky.branch('break', 'main');
    flaky.write({ 'policy.txt': 'Sure.\n' });
    const broken = flaky.commit('break');
    github.state.addPullRequest(fakeRepo(), { number: 22, headSha: broken, baseSha: main, headRef: 'break' });
    const bad = await runAction({
      workspace: flaky.dir,
      event: 'pull_request',
      sha: broken,
      payload: pullRequestPayload(22, broken, main),
    });
    expect(bad.code).toBe(1);
    expect(checksOn(broken).at(-1)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(botComments(22).at(-1)!.body).toMatch(
      /regressed by this change: 3 of 3 fresh samples fail, 0 of 3 on the base/,
    );
  }, 120_000);

  describe('6: a report larger than every limit', () => {
    let openai: FakeOpenAI;
    beforeAll(async () => {
      openai = await startFakeOpenAI();
    });
    afterAll(() => openai?.close());

    it('is capped to fit, and still posted: the comment within 65,536 characters, the check summary within its limit', async () => {
      const CASES = 1500;
      const big = createRepo();
      temp.push(big.dir);
      big.write({
        'evalgate.yml': [
          'targets:',
          '  assistant:',
          '    type: openai',
          '    baseURL: ${env:FAKE_OPENAI_URL}',
          '    apiKeyEnv: EVALGATE_E2E_KEY',
          '    prompt: prompts/assistant.md',
          '    model: models/assistant.yml',
          'suites:',
          '  - suites/*.yml',
          'concurrency: 32',
          'cache:',
          '  enabled: false',
          '',
        ].join('\n'),
        'prompts/assistant.md': 'You answer questions.\nQuestion: {{input}}\n',
        'models/assistant.yml': 'model: gpt-4o-mini\ntemperature: 0\n',
        'suites/big.yml': [
          'id: big',
          'tier: trusted',
          'target: assistant',
          `graders: [{ type: contains, value: "never in an echo" }]`,
          'cases:',
          ...Array.from(
            { length: CASES },
            (_, i) =>
              `  - { id: case-${String(i).padStart(5, '0')}-${'x'.repeat(40)}, input: "question ${i} ${'long text '.repeat(30)}", blocker: true }`,
          ),
          '',
        ].join('\n'),
      });
      const base = big.commit('base');
      big.branch('longer-prompt');
      big.write({ 'prompts/assistant.md': 'You answer questions briefly.\nQuestion: {{input}}\n' });
      const head = big.commit('change the prompt');
      github.state.addPullRequest(fakeRepo(), { number: 6, headSha: head, baseSha: base });

      const res = await runAction({
        workspace: big.dir,
        event: 'pull_request',
        sha: head,
        payload: pullRequestPayload(6, head, base),
        env: { FAKE_OPENAI_URL: openai.url, EVALGATE_E2E_KEY: OPENAI_KEY },
      });
      expect(res.code, res.stdout.slice(-3000) + res.stderr).toBe(1);
      expect(res.outputs.verdict).toBe('fail');
      // The API key the config points at is masked before anything runs.
      expect(res.stdout).toContain(`::add-mask::${OPENAI_KEY}`);
      // Every case once, then fresh samples of as many failing blockers as the default
      // confirmation budget (60 calls, 3 per case in this arm) covers: no more.
      expect(openai.requests.length).toBe(CASES + 60);

      const [comment, ...more] = botComments(6);
      expect(more).toEqual([]);
      expect(comment!.body.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
      // Every table and list is capped, the rest counted: 1,500 failing blockers fit whole.
      expect(comment!.body).toMatch(/…and \d+ more blocker failures: \d+ in `big`\./);
      expect(comment!.body).toMatch(/evalgate: fail/);
      const [check] = checksOn(head);
      expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
      expect(check!.output.summary!.length).toBeLessThanOrEqual(65_535);
      expect(Buffer.byteLength(res.summary)).toBeLessThanOrEqual(1_048_576);
      expect(github.responseViolations).toEqual([]);
    }, 240_000);
  });
});
