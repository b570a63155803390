import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubOctokit } from '../../src/github/client.js';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  generatePullFiles,
  serverError,
  startFakeGitHub,
  type FakeGitHub,
} from './fake-github.js';
import { OPERATIONS, trim } from '../../scripts/trim-openapi.mjs';

const repo = { owner: DEFAULT_OWNER, repo: DEFAULT_REPO };

let github: FakeGitHub;
let octokit: GitHubOctokit;

beforeEach(async () => {
  github = await startFakeGitHub({
    tokens: {
      [DEFAULT_TOKEN]: { login: 'github-actions[bot]', type: 'Bot' },
      'user-token': { login: 'octocat', type: 'User' },
      'fork-token': { login: 'github-actions[bot]', type: 'Bot', readOnly: true },
    },
  });
  octokit = createGitHubClient({
    token: DEFAULT_TOKEN,
    baseUrl: github.url,
    msPerSecond: 5,
    spaceWrites: false,
  });
});

afterEach(async () => {
  expect(github.responseViolations).toEqual([]);
  await github.close();
});

/** A request Octokit's types would refuse: how a buggy caller reaches GitHub. */
function untyped(route: string, parameters: Record<string, unknown>): Promise<unknown> {
  return octokit.request(route, parameters);
}

async function rejection(
  promise: Promise<unknown>,
): Promise<{ status: number; message: string; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data?: { message?: string } } };
    return { status: e.status, message: e.response?.data?.message ?? '', data: e.response?.data };
  }
  throw new Error('expected the request to fail');
}

describe('the trimmed OpenAPI description', () => {
  it('routes every operation evalgate uses, and nothing else', async () => {
    const spec = (await import('../fixtures/github-openapi.json', { with: { type: 'json' } })).default as {
      'x-evalgate-source': { packageVersion: string; operations: string[] };
      paths: Record<string, Record<string, unknown>>;
    };
    expect(spec['x-evalgate-source'].packageVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const routes = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual([...spec['x-evalgate-source'].operations].sort());
    expect(routes).toHaveLength(24);
  });

  it('answers 404 Not Found for a route outside it', async () => {
    const failure = await rejection(octokit.request('GET /repos/{owner}/{repo}/releases', repo));
    expect(failure).toMatchObject({ status: 404, message: 'Not Found' });
  });
});

describe('Git Data', () => {
  it('round-trips blobs, trees, commits and refs with real git object ids', async () => {
    const blob = await octokit.rest.git.createBlob({ ...repo, content: 'hello\n', encoding: 'utf-8' });
    // `git hash-object` of "hello\n".
    expect(blob.data.sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const read = await octokit.rest.git.getBlob({ ...repo, file_sha: blob.data.sha });
    expect(Buffer.from(read.data.content, 'base64').toString()).toBe('hello\n');

    const tree = await octokit.rest.git.createTree({
      ...repo,
      tree: [
        { path: 'hello.txt', mode: '100644', type: 'blob', sha: blob.data.sha },
        { path: 'dir/nested.json', mode: '100644', type: 'blob', content: '{}' },
      ],
    });
    const commit = await octokit.rest.git.createCommit({
      ...repo,
      message: 'first',
      tree: tree.data.sha,
      parents: [],
    });
    const ref = await octokit.rest.git.createRef({
      ...repo,
      ref: 'refs/heads/evalgate-baselines',
      sha: commit.data.sha,
    });
    expect(ref.status).toBe(201);
    expect(ref.data).toMatchObject({
      ref: 'refs/heads/evalgate-baselines',
      object: { sha: commit.data.sha },
    });

    const got = await octokit.rest.git.getRef({ ...repo, ref: 'heads/evalgate-baselines' });
    expect(got.data.object.sha).toBe(commit.data.sha);
    const gotCommit = await octokit.rest.git.getCommit({ ...repo, commit_sha: commit.data.sha });
    expect(gotCommit.data).toMatchObject({ message: 'first', tree: { sha: tree.data.sha }, parents: [] });

    const listing = await octokit.rest.git.getTree({ ...repo, tree_sha: tree.data.sha, recursive: 'true' });
    expect(listing.data.tree.map((entry) => `${entry.type} ${entry.path}`)).toEqual([
      'tree dir',
      'blob dir/nested.json',
      'blob hello.txt',
    ]);

    // base_tree keeps what is not replaced; sha: null deletes.
    const second = await octokit.rest.git.createTree({
      ...repo,
      base_tree: tree.data.sha,
      tree: [
        { path: 'hello.txt', mode: '100644', type: 'blob', sha: null },
        { path: 'dir/other.json', mode: '100644', type: 'blob', content: '[]' },
      ],
    });
    const next = await octokit.rest.git.createCommit({
      ...repo,
      message: 'second',
      tree: second.data.sha,
      parents: [commit.data.sha],
    });
    await octokit.rest.git.updateRef({
      ...repo,
      ref: 'heads/evalgate-baselines',
      sha: next.data.sha,
      force: false,
    });
    const git = github.state.repo().git;
    expect(git.readFile('heads/evalgate-baselines', 'dir/other.json')).toBe('[]');
    expect(git.readFile('heads/evalgate-baselines', 'dir/nested.json')).toBe('{}');
    expect(git.readFile('heads/evalgate-baselines', 'hello.txt')).toBeUndefined();
  });

  it('matches git for tree ids (empty tree and a one-file tree)', async () => {
    const git = github.state.repo().git;
    expect(git.writeTree(new Map())).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });

  it('is compare-and-swap: a second commit on the same tip cannot fast-forward', async () => {
    const git = github.state.repo().git;
    const tip = git.commitFiles('main', { 'a.txt': 'a' });
    const tree = git.commits.get(tip)!.tree;
    const ours = await octokit.rest.git.createCommit({ ...repo, message: 'ours', tree, parents: [tip] });
    const theirs = await octokit.rest.git.createCommit({ ...repo, message: 'theirs', tree, parents: [tip] });
    expect(ours.data.sha).not.toBe(theirs.data.sha);

    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: ours.data.sha, force: false });
    const lost = await rejection(
      octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: theirs.data.sha, force: false }),
    );
    expect(lost).toMatchObject({ status: 422, message: 'Update is not a fast forward' });
    expect(git.resolveRef('main')).toBe(ours.data.sha);

    // force wins.
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: theirs.data.sha, force: true });
    expect(git.resolveRef('main')).toBe(theirs.data.sha);
  });

  it('refuses to create a ref that exists, and to point a ref at a missing object', async () => {
    const tip = github.state.repo().git.commitFiles('main', { 'a.txt': 'a' });
    expect(
      await rejection(octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/main', sha: tip })),
    ).toMatchObject({ status: 422, message: 'Reference already exists' });
    expect(
      await rejection(octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/x', sha: 'f'.repeat(40) })),
    ).toMatchObject({ status: 422, message: 'Object does not exist' });
    expect(await rejection(octokit.rest.git.getRef({ ...repo, ref: 'heads/missing' }))).toMatchObject({
      status: 404,
    });
  });
});

describe('check runs', () => {
  const sha = 'a'.repeat(40);

  it('accepts a valid create and update, and keeps the state', async () => {
    const created = await octokit.rest.checks.create({
      ...repo,
      name: 'evalgate',
      head_sha: sha,
      status: 'in_progress',
      output: { title: 'Running', summary: 'started' },
    });
    expect(created.status).toBe(201);
    const updated = await octokit.rest.checks.update({
      ...repo,
      check_run_id: created.data.id,
      conclusion: 'failure',
      output: {
        title: '1 regression',
        summary: 'see the comment',
        annotations: [
          { path: 'a.yaml', start_line: 1, end_line: 1, annotation_level: 'failure', message: 'x' },
        ],
      },
    });
    expect(updated.data).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { annotations_count: 1 },
    });
    const listed = await octokit.paginate(octokit.rest.checks.listForRef, { ...repo, ref: sha });
    expect(listed.map((run) => run.id)).toEqual([created.data.id]);
    expect(github.state.repo().checkRuns[0]).toMatchObject({ name: 'evalgate', conclusion: 'failure' });
  });

  it('rejects what GitHub rejects: an unknown conclusion, a missing required field, > 50 annotations, a long summary', async () => {
    const maybe = await rejection(
      untyped('POST /repos/{owner}/{repo}/check-runs', {
        ...repo,
        name: 'x',
        head_sha: sha,
        conclusion: 'maybe',
      }),
    );
    expect(maybe.status).toBe(422);
    expect(maybe.message).toMatch(/^Invalid request\.\n\n.*"maybe" is not a member of/s);

    const missing = await rejection(untyped('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'x' }));
    expect(missing).toMatchObject({
      status: 422,
      message: `Invalid request.\n\n"head_sha" wasn't supplied.`,
    });

    const annotation = {
      path: 'a',
      start_line: 1,
      end_line: 1,
      annotation_level: 'notice',
      message: 'm',
    } as const;
    const many = await rejection(
      octokit.rest.checks.create({
        ...repo,
        name: 'x',
        head_sha: sha,
        output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, () => annotation) },
      }),
    );
    expect(many.status).toBe(422);

    const long = await rejection(
      octokit.rest.checks.create({
        ...repo,
        name: 'x',
        head_sha: sha,
        output: { title: 't', summary: 'x'.repeat(65536) },
      }),
    );
    expect(long.status).toBe(422);

    const created = await octokit.rest.checks.create({ ...repo, name: 'x', head_sha: sha });
    const noConclusion = await rejection(
      untyped('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        ...repo,
        check_run_id: created.data.id,
        status: 'completed',
      }),
    );
    expect(noConclusion.status).toBe(422);
    expect(github.state.repo().checkRuns).toHaveLength(1);
    expect(github.state.repo().checkRuns[0]!.status).toBe('queued');
  });
});

describe('issue comments', () => {
  it('creates, lists and updates, recording the token user as author', async () => {
    const pull = github.state.addPullRequest(github.state.repo(), { number: 7 });
    const created = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: pull.number,
      body: 'hi',
    });
    expect(created.data.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' });
    await octokit.rest.issues.updateComment({ ...repo, comment_id: created.data.id, body: 'edited' });
    const listed = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: 7 });
    expect(listed.map((comment) => comment.body)).toEqual(['edited']);
    expect(github.requests.map((request) => `${request.method} ${request.status}`)).toEqual([
      'POST 201',
      'PATCH 200',
      'GET 200',
    ]);
    expect(github.requests[0]!.body).toEqual({ body: 'hi' });
  });

  it('rejects bodies over 65,536 characters, unknown issues, and bad credentials', async () => {
    github.state.addPullRequest(github.state.repo(), { number: 1 });
    const long = await rejection(
      octokit.rest.issues.createComment({ ...repo, issue_number: 1, body: 'x'.repeat(70000) }),
    );
    expect(long).toMatchObject({ status: 422, message: 'Validation Failed' });
    expect(
      await rejection(octokit.rest.issues.createComment({ ...repo, issue_number: 99, body: 'x' })),
    ).toMatchObject({
      status: 404,
    });
    const stranger = createGitHubClient({
      token: 'nope',
      baseUrl: github.url,
      msPerSecond: 5,
      spaceWrites: false,
    });
    expect(await rejection(stranger.rest.repos.get(repo))).toMatchObject({
      status: 401,
      message: 'Bad credentials',
    });
  });

  it('answers 403 "Resource not accessible by integration" to a read-only token', async () => {
    github.state.addPullRequest(github.state.repo(), { number: 3 });
    const fork = createGitHubClient({
      token: 'fork-token',
      baseUrl: github.url,
      msPerSecond: 5,
      spaceWrites: false,
    });
    await fork.rest.issues.listComments({ ...repo, issue_number: 3 });
    expect(
      await rejection(fork.rest.issues.createComment({ ...repo, issue_number: 3, body: 'x' })),
    ).toMatchObject({
      status: 403,
      message: 'Resource not accessible by integration',
    });
  });
});

describe('pull requests', () => {
  it('pages 250 files over 3 pages with Link headers', async () => {
    github.state.addPullRequest(github.state.repo(), { number: 5, files: generatePullFiles(250) });
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
      ...repo,
      pull_number: 5,
      per_page: 100,
    });
    expect(files).toHaveLength(250);
    expect(files[249]!.filename).toBe('src/file-00250.ts');
    const pages = github.requests.filter((request) => request.route?.endsWith('/files'));
    expect(pages.map((request) => request.query.page ?? '1')).toEqual(['1', '2', '3']);
  });

  it("caps the listing at GitHub's 3,000 files while changed_files tells the truth", async () => {
    github.state.addPullRequest(github.state.repo(), { number: 6, files: generatePullFiles(3005) });
    const pull = await octokit.rest.pulls.get({ ...repo, pull_number: 6 });
    expect(pull.data.changed_files).toBe(3005);
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
      ...repo,
      pull_number: 6,
      per_page: 100,
    });
    expect(files).toHaveLength(3000);
  });

  it('treats a non-numeric pull number as an unknown route', async () => {
    const failure = await rejection(octokit.request(`GET /repos/${DEFAULT_OWNER}/${DEFAULT_REPO}/pulls/abc`));
    expect(failure.status).toBe(404);
  });
});

describe('issues and opening pull requests', () => {
  it('creates, filters by label and state, closes with a reason, and rejects a bad state reason', async () => {
    const a = await octokit.rest.issues.create({ ...repo, title: 'a', body: 'x', labels: ['incident'] });
    await octokit.rest.issues.create({ ...repo, title: 'b', labels: ['other'] });
    expect(a.status).toBe(201);
    const labelled = await octokit.rest.issues.listForRepo({ ...repo, labels: 'incident' });
    expect(labelled.data.map((i) => i.title)).toEqual(['a']);
    await octokit.rest.issues.update({
      ...repo,
      issue_number: a.data.number,
      state: 'closed',
      state_reason: 'duplicate',
    });
    expect((await octokit.rest.issues.listForRepo({ ...repo, labels: 'incident' })).data).toEqual([]);
    const closed = await octokit.rest.issues.listForRepo({ ...repo, labels: 'incident', state: 'closed' });
    expect(closed.data[0]).toMatchObject({ state: 'closed', state_reason: 'duplicate' });
    expect(
      (
        await rejection(
          untyped('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
            ...repo,
            issue_number: a.data.number,
            state: 'closed',
            state_reason: 'fixed',
          }),
        )
      ).status,
    ).toBe(422);
  });

  it('opens a pull request from a branch with its changed files, once per head, never with no commits', async () => {
    const git = github.state.repo().git;
    const base = git.commitFiles('main', { 'a.txt': 'a\n' });
    git.commitFiles('feature', { 'a.txt': 'a\n' });
    git.refs.set('refs/heads/feature', base);
    expect(
      (await rejection(octokit.rest.pulls.create({ ...repo, title: 't', head: 'feature', base: 'main' })))
        .data,
    ).toMatchObject({ message: 'Validation Failed' });
    git.commitFiles('feature', { 'b.txt': 'b\n' });
    const pull = await octokit.rest.pulls.create({
      ...repo,
      title: 't',
      head: 'feature',
      base: 'main',
      body: 'why',
    });
    expect(pull.data).toMatchObject({ state: 'open', body: 'why', head: { ref: 'feature' } });
    const files = await octokit.rest.pulls.listFiles({ ...repo, pull_number: pull.data.number });
    expect(files.data.map((f) => [f.filename, f.status])).toEqual([['b.txt', 'added']]);
    const again = await rejection(
      octokit.rest.pulls.create({ ...repo, title: 't', head: 'feature', base: 'main' }),
    );
    expect(again.status).toBe(422);
    expect(JSON.stringify(again.data)).toContain('A pull request already exists');
    const listed = await octokit.rest.pulls.list({ ...repo, head: `${DEFAULT_OWNER}:feature` });
    expect(listed.data.map((p) => p.number)).toEqual([pull.data.number]);
    expect((await octokit.rest.pulls.list({ ...repo, head: `${DEFAULT_OWNER}:other` })).data).toEqual([]);
  });
});

describe('identity and repository', () => {
  it('returns the repository, and /user for a user token but 403 for an installation token', async () => {
    const repository = await octokit.rest.repos.get(repo);
    expect(repository.data).toMatchObject({
      full_name: `${DEFAULT_OWNER}/${DEFAULT_REPO}`,
      default_branch: 'main',
    });
    expect(await rejection(octokit.rest.users.getAuthenticated())).toMatchObject({ status: 403 });
    const user = createGitHubClient({
      token: 'user-token',
      baseUrl: github.url,
      msPerSecond: 5,
      spaceWrites: false,
    });
    expect((await user.rest.users.getAuthenticated()).data).toMatchObject({ login: 'octocat', type: 'User' });
  });
});

describe('fault injection', () => {
  it('answers scripted responses first, the given number of times, then resumes', async () => {
    const handle = github.script({ route: 'GET /repos/{owner}/{repo}' }, serverError(502), 2);
    const noRetry = createGitHubClient({
      token: DEFAULT_TOKEN,
      baseUrl: github.url,
      retries: 0,
      spaceWrites: false,
    });
    expect(await rejection(noRetry.rest.repos.get(repo))).toMatchObject({ status: 502 });
    expect(handle.remaining()).toBe(1);
    // The client factory's retry plugin absorbs the second.
    await octokit.rest.repos.get(repo);
    expect(handle.remaining()).toBe(0);
    expect(github.requests.map((request) => [request.status, request.scripted ?? false])).toEqual([
      [502, true],
      [502, true],
      [200, false],
    ]);
  });
});

describe('response validation', () => {
  it("checks the fake's answers against GitHub's response schemas, and would catch a drift", async () => {
    const created = await octokit.rest.checks.create({ ...repo, name: 'x', head_sha: 'b'.repeat(40) });
    const route = 'POST /repos/{owner}/{repo}/check-runs';
    expect(github.validateResponse(route, 201, created.data)).toEqual([]);
    expect(github.validateResponse(route, 201, { ...created.data, status: 'done' })).not.toEqual([]);
    const { id: _id, ...withoutId } = created.data;
    expect(github.validateResponse(route, 201, withoutId).join('\n')).toMatch(
      /must have required property 'id'/,
    );
    // Every answer so far was checked (afterEach asserts no violations were recorded).
    expect(github.requests.every((request) => request.status !== 500)).toBe(true);
  });
});

describe('scripts/trim-openapi.mjs', () => {
  const operation = (schema: string) => ({
    operationId: 'x',
    description: 'docs',
    externalDocs: { url: 'https://docs.github.com/x' },
    responses: {
      '200': { content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } },
    },
  });
  const pathsFor = (operations: string[]) => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of operations) {
      const [method, path] = op.split(' ') as [string, string];
      (paths[path] ??= {})[method.toLowerCase()] = operation('a');
    }
    return paths;
  };
  const full = {
    openapi: '3.0.3',
    info: { title: 'GitHub', version: '1' },
    paths: pathsFor(OPERATIONS),
    components: {
      schemas: {
        a: {
          type: 'object',
          description: 'dropped',
          properties: { description: { type: 'string' }, b: { $ref: '#/components/schemas/b' } },
        },
        b: { type: 'string', example: 'dropped', 'x-github': {} },
        unused: { type: 'string' },
      },
    },
  };

  it('keeps the operations and what they reach, drops documentation but not properties named like it', () => {
    const trimmed = trim(full, { packageVersion: '9.9.9' }) as {
      'x-evalgate-source': { packageVersion: string };
      components: { schemas: Record<string, unknown> };
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    expect(Object.keys(trimmed)[0]).toBe('x-evalgate-source');
    expect(trimmed['x-evalgate-source'].packageVersion).toBe('9.9.9');
    expect(Object.keys(trimmed.components.schemas)).toEqual(['a', 'b']);
    expect(trimmed.components.schemas.a).toEqual({
      properties: { b: { $ref: '#/components/schemas/b' }, description: { type: 'string' } },
      type: 'object',
    });
    expect(trimmed.components.schemas.b).toEqual({ type: 'string' });
    const get = trimmed.paths['/user']!.get!;
    expect(get.description).toBeUndefined();
    expect(get['x-documentation-url']).toBe('https://docs.github.com/x');
    expect(JSON.stringify(trim(full, { packageVersion: '9.9.9' }))).toBe(JSON.stringify(trimmed));
  });

  it('fails loudly when an operation is missing from the description', () => {
    expect(() => trim({ ...full, paths: {} })).toThrow(/operation not found/);
  });
});
