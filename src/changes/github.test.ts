import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepo } from '../../test/helpers/git.js';
import { createPlan, planFromGit } from '../plan/plan.js';
import { GitChangeSource } from './git.js';
import {
  GitHubChangeSource,
  octokitPullRequests,
  PULL_FILES_LIMIT,
  type PullFile,
  type PullRef,
} from './github.js';
import type { ChangedFile, ChangeSource } from './types.js';

/**
 * A loopback stand-in for api.github.com: serves a pull request and its files, 100 per page
 * with `Link` headers as GitHub does, and records every request it gets.
 */
class FakeGitHub {
  readonly requests: string[] = [];
  files: PullFile[] = [];
  changedFiles = 0;
  #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url!, this.url);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/repos/acme/app/pulls/7') {
      json(200, { number: 7, changed_files: this.changedFiles });
      return;
    }
    if (url.pathname === '/repos/acme/app/pulls/7/files') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(this.files.length / perPage));
      const link = (p: number, rel: string) =>
        `<${this.url}${url.pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
      const links = [
        ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
        ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
      ];
      json(
        200,
        this.files.slice((page - 1) * perPage, page * perPage),
        links.length ? { link: links.join(', ') } : {},
      );
      return;
    }
    json(404, { message: 'Not Found' });
  }
}

const PaginatingOctokit = Octokit.plugin(paginateRest);
const PULL: PullRef = { owner: 'acme', repo: 'app', pull_number: 7 };

/** A ChangeSource that only counts calls, for the fallback. */
function fakeGit(files: ChangedFile[]): ChangeSource & { calls: number } {
  return {
    calls: 0,
    root: '/repo',
    revisions: () => Promise.reject(new Error('not needed')),
    async changedFiles() {
      this.calls++;
      return files;
    },
    listFiles: () => Promise.resolve(new Map()),
    readFiles: () => Promise.resolve(new Map()),
  };
}

describe('GitHubChangeSource', () => {
  const github = new FakeGitHub();
  beforeAll(() => github.start());
  afterAll(() => github.stop());

  const api = () => octokitPullRequests(new PaginatingOctokit({ baseUrl: github.url, auth: 'test-token' }));

  it('lists every page of the pull request files, mapping status, renames and binary files', async () => {
    github.requests.length = 0;
    github.files = Array.from({ length: 230 }, (_, i) => ({
      filename: `prompts/p${String(i).padStart(3, '0')}.md`,
      status: 'modified' as const,
      additions: 1,
      deletions: 1,
      changes: 2,
      patch: '@@ -1 +1 @@\n-a\n+b',
    }));
    github.files.push(
      { filename: 'new.md', status: 'added', additions: 3, deletions: 0, changes: 3, patch: '+x' },
      { filename: 'old.md', status: 'removed', additions: 0, deletions: 2, changes: 2, patch: '-x' },
      {
        filename: 'to.md',
        previous_filename: 'from.md',
        status: 'renamed',
        additions: 0,
        deletions: 0,
        changes: 0,
      },
      { filename: 'index.bin', status: 'modified', additions: 0, deletions: 0, changes: 0 },
      {
        filename: 'copy.md',
        previous_filename: 'new.md',
        status: 'copied',
        additions: 0,
        deletions: 0,
        changes: 0,
        patch: '',
      },
    );
    github.changedFiles = github.files.length;
    const git = fakeGit([]);
    const source = new GitHubChangeSource({ api: api(), pull: PULL, git });
    const files = await source.changedFiles();
    expect(files).toHaveLength(235);
    expect(files.slice(228)).toEqual([
      { path: 'prompts/p228.md', status: 'modified', binary: false },
      { path: 'prompts/p229.md', status: 'modified', binary: false },
      { path: 'new.md', status: 'added', binary: false },
      { path: 'old.md', status: 'deleted', binary: false },
      { path: 'to.md', status: 'renamed', previousPath: 'from.md', binary: false },
      { path: 'index.bin', status: 'modified', binary: true },
      { path: 'copy.md', status: 'added', binary: false },
    ]);
    expect(github.requests).toEqual([
      'GET /repos/acme/app/pulls/7',
      'GET /repos/acme/app/pulls/7/files?per_page=100',
      'GET /repos/acme/app/pulls/7/files?per_page=100&page=2',
      'GET /repos/acme/app/pulls/7/files?per_page=100&page=3',
    ]);
    expect(git.calls).toBe(0);
    expect(source.notes).toEqual([]);
  });

  it(`falls back to git when the pull request has more than ${PULL_FILES_LIMIT} files`, async () => {
    github.requests.length = 0;
    github.changedFiles = PULL_FILES_LIMIT + 1;
    const listed: ChangedFile[] = [{ path: 'a.md', status: 'modified', binary: false }];
    const git = fakeGit(listed);
    const source = new GitHubChangeSource({ api: api(), pull: PULL, git });
    expect(await source.changedFiles()).toBe(listed);
    expect(git.calls).toBe(1);
    expect(github.requests).toEqual(['GET /repos/acme/app/pulls/7']);
    expect(source.notes).toEqual([
      'pull request #7 changes 3001 files, more than the 3000 the GitHub API lists; listed them with git',
    ]);
  });

  it('plans exactly as local git does when the API lists the same files', async () => {
    const repo = createFixtureRepo();
    repo.branch('feature');
    repo.write({ 'prompts/partials/tone.md': 'Be brief.\n', 'README.md': 'readme\n' });
    repo.commit('feature');
    const local = await planFromGit({ cwd: repo.dir, base: 'main', head: 'feature' });
    github.files = [
      { filename: 'README.md', status: 'modified', additions: 1, deletions: 1, changes: 2, patch: '-a\n+b' },
      {
        filename: 'prompts/partials/tone.md',
        status: 'modified',
        additions: 1,
        deletions: 1,
        changes: 2,
        patch: '-a\n+b',
      },
    ];
    github.changedFiles = 2;
    const git = new GitChangeSource({ cwd: repo.dir, base: 'main', head: 'feature' });
    await git.open();
    const viaApi = await createPlan(new GitHubChangeSource({ api: api(), pull: PULL, git }), {
      config: 'evalgate.yml',
    });
    expect(viaApi).toEqual(local);
  });
});
