/**
 * A loopback fake of the GitHub REST API, checked against GitHub's own OpenAPI description.
 *
 * A real `node:http` server on 127.0.0.1, so the real Octokit (auth, pagination, the retry and
 * throttling plugins) runs end to end with no module mocks. Every request is validated against
 * the operation in `test/fixtures/github-openapi.json` (trimmed from `@octokit/openapi`): path
 * and query parameters, and the JSON body against `requestBody`. Invalid calls are rejected the
 * way GitHub rejects them (422 `Invalid request.` / `Validation Failed`, 404 `Not Found`). With
 * `validateResponses` (on by default) the fake also checks its own answers against the
 * operation's response schema and answers 500 when they drift, so tests cannot pass against a
 * shape GitHub would never send.
 *
 * State is kept per repository: issue comments, check runs, pull requests with their files,
 * and a small Git Data store (blobs, trees, commits, refs) with real git object ids and
 * compare-and-swap ref updates. Tokens map to users; read-only tokens get GitHub's 403 on
 * writes (the fork scenario). `script()` queues faults (rate limits, 5xx) for matching requests.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => void;

// ---------------------------------------------------------------------------------------------
// Public types

export type UserType = 'User' | 'Bot' | 'Organization';

export interface TokenInfo {
  login: string;
  type?: UserType;
  /** Writes answer 403 "Resource not accessible by integration", as for a fork's GITHUB_TOKEN. */
  readOnly?: boolean;
}

export interface FakeUser {
  id: number;
  login: string;
  type: UserType;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
  htmlUrl: string;
}

export type CheckStatus = 'queued' | 'in_progress' | 'completed';

export interface FakeCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: CheckStatus;
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** Every annotation sent, in order (GitHub appends across updates). */
  annotations: unknown[];
}

export type PullFileStatus =
  'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export interface FakePullFile {
  filename: string;
  status: PullFileStatus;
  additions: number;
  deletions: number;
  patch?: string;
  previousFilename?: string;
}

export interface FakePullRequest {
  number: number;
  title: string;
  state: 'open' | 'closed';
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  files: FakePullFile[];
  user: FakeUser;
  body?: string;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'duplicate' | 'reopened' | null;
  labels: string[];
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface FakeTreeEntry {
  path: string;
  mode: '100644' | '100755' | '040000' | '160000' | '120000';
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface FakeGitCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
}

/** One request as the fake received it, for assertions. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent (still percent-encoded). */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  /** The matched operation, `METHOD /template`, e.g. `POST /repos/{owner}/{repo}/check-runs`. */
  route?: string;
  /** The status answered. */
  status?: number;
  /** True when the answer came from `script()`. */
  scripted?: boolean;
}

export type RequestMatch =
  | {
      method?: string;
      /** Exact path (without query) or a pattern tested against it. */
      path?: string | RegExp;
      /** `METHOD /template` as in the OpenAPI description. */
      route?: string;
    }
  | ((request: RecordedRequest) => boolean);

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

export interface ScriptHandle {
  /** How many of the scripted answers are still queued. */
  remaining(): number;
}

export interface FakeGitHubOptions {
  /** token → user. Default: `test-token` → `github-actions[bot]` (Bot). */
  tokens?: Record<string, TokenInfo>;
  /** Repositories created at start. Default: `octo-org/octo-repo`. */
  repos?: { owner: string; repo: string; defaultBranch?: string; private?: boolean }[];
  /** Check every answer against the operation's response schema (default true). */
  validateResponses?: boolean;
  /** The clock for timestamps and commit dates. */
  now?: () => Date;
}

export interface FakeGitHub {
  /** Base URL for Octokit's `baseUrl`, e.g. `http://127.0.0.1:40123`. */
  url: string;
  state: FakeGitHubState;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Responses that did not match their schema (empty unless the fake has a bug). */
  responseViolations: { route: string; status: number; errors: string[] }[];
  /**
   * Checks `body` against the response schema of `route` (`METHOD /template`) for `status`;
   * returns the violations, empty when it conforms. Throws for a route or status not described.
   */
  validateResponse(route: string, status: number, body: unknown): string[];
  /** Answer the next `times` requests that match with `response`, before any other handling. */
  script(match: RequestMatch, response: ScriptedResponse, times?: number): ScriptHandle;
  close(): Promise<void>;
}

export const DEFAULT_TOKEN = 'test-token';
export const DEFAULT_OWNER = 'octo-org';
export const DEFAULT_REPO = 'octo-repo';

/** GitHub's cap on `GET /pulls/{n}/files`: later files are never listed. */
export const PULL_FILES_CAP = 3000;
/** GitHub's limit on an issue comment body. */
export const COMMENT_BODY_LIMIT = 65536;

// ---------------------------------------------------------------------------------------------
// Fault helpers

/** 403 with `retry-after`, as GitHub answers a secondary rate limit. */
export function secondaryRateLimit(options: { retryAfter?: number } = {}): ScriptedResponse {
  return {
    status: 403,
    headers: { 'retry-after': String(options.retryAfter ?? 1) },
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
        'If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: '403',
    },
  };
}

/** 403 with `x-ratelimit-remaining: 0`, as GitHub answers an exhausted primary rate limit. */
export function primaryRateLimit(options: { resetInSeconds?: number; now?: Date } = {}): ScriptedResponse {
  const now = options.now ?? new Date();
  const reset = Math.floor(now.getTime() / 1000) + (options.resetInSeconds ?? 1);
  return {
    status: 403,
    headers: {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '5000',
      'x-ratelimit-reset': String(reset),
    },
    body: {
      message: 'API rate limit exceeded for installation ID 1.',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
      status: '403',
    },
  };
}

/** A 5xx as GitHub's front end sends it. */
export function serverError(status: 500 | 502 | 503 | 504 = 500): ScriptedResponse {
  const message =
    status === 502 ? 'Server Error' : status === 503 ? 'Service Unavailable' : 'Internal Server Error';
  return { status, body: { message, status: String(status) } };
}

/** `count` modified files, `src/file-00001.ts` …, for pagination tests. */
export function generatePullFiles(count: number): FakePullFile[] {
  return Array.from({ length: count }, (_, index) => ({
    filename: `src/file-${String(index + 1).padStart(5, '0')}.ts`,
    status: 'modified' as const,
    additions: 1,
    deletions: 1,
    patch: '@@ -1 +1 @@\n-old\n+new',
  }));
}

// ---------------------------------------------------------------------------------------------
// Git objects: real git ids, so shas look and behave like GitHub's.

function gitHash(kind: string, content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`${kind} ${content.length}\0`), content]))
    .digest('hex');
}

const SHA = /^[0-9a-f]{40}$/;

/** A repository's object database and refs. Refs are stored by full name, `refs/heads/main`. */
export class FakeGit {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, FakeTreeEntry[]>();
  readonly commits = new Map<string, FakeGitCommit>();
  readonly refs = new Map<string, string>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  writeBlob(content: Buffer | string): string {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sha = gitHash('blob', bytes);
    this.blobs.set(sha, bytes);
    return sha;
  }

  /** Writes one tree level; entries' names must not contain `/`. */
  writeTreeLevel(entries: FakeTreeEntry[]): string {
    const sorted = [...entries].sort((a, b) => {
      const ka = a.type === 'tree' ? `${a.path}/` : a.path;
      const kb = b.type === 'tree' ? `${b.path}/` : b.path;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const body = Buffer.concat(
      sorted.map((entry) =>
        Buffer.concat([
          Buffer.from(`${entry.mode === '040000' ? '40000' : entry.mode} ${entry.path}\0`),
          Buffer.from(entry.sha, 'hex'),
        ]),
      ),
    );
    const sha = gitHash('tree', body);
    this.trees.set(sha, sorted);
    return sha;
  }

  /** Every blob and submodule below `treeSha`, by full path. */
  flatten(treeSha: string, prefix = '', into = new Map<string, FakeTreeEntry>()): Map<string, FakeTreeEntry> {
    const entries = this.trees.get(treeSha);
    if (!entries) throw new Error(`no tree ${treeSha}`);
    for (const entry of entries) {
      const path = prefix ? `${prefix}/${entry.path}` : entry.path;
      if (entry.type === 'tree') this.flatten(entry.sha, path, into);
      else into.set(path, { ...entry, path });
    }
    return into;
  }

  /** Writes the nested trees for a flat path → entry map; returns the root tree's sha. */
  writeTree(flat: Map<string, FakeTreeEntry>): string {
    const here: FakeTreeEntry[] = [];
    const subdirs = new Map<string, Map<string, FakeTreeEntry>>();
    for (const [path, entry] of flat) {
      const slash = path.indexOf('/');
      if (slash < 0) {
        here.push({ ...entry, path });
      } else {
        const dir = path.slice(0, slash);
        let sub = subdirs.get(dir);
        if (!sub) subdirs.set(dir, (sub = new Map()));
        sub.set(path.slice(slash + 1), entry);
      }
    }
    for (const [dir, sub] of subdirs) {
      here.push({ path: dir, mode: '040000', type: 'tree', sha: this.writeTree(sub) });
    }
    return this.writeTreeLevel(here);
  }

  writeCommit(input: {
    tree: string;
    parents: string[];
    message: string;
    author?: { name: string; email: string; date?: string };
    committer?: { name: string; email: string; date?: string };
  }): string {
    const date = this.#now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const author = { date, ...(input.author ?? { name: 'Fake GitHub', email: 'fake@github.invalid' }) };
    const committer = { date, ...(input.committer ?? author) };
    const stamp = (who: { name: string; email: string; date: string }): string =>
      `${who.name} <${who.email}> ${Math.floor(Date.parse(who.date) / 1000)} +0000`;
    const text = [
      `tree ${input.tree}`,
      ...input.parents.map((parent) => `parent ${parent}`),
      `author ${stamp(author)}`,
      `committer ${stamp(committer)}`,
      '',
      input.message,
    ].join('\n');
    const sha = gitHash('commit', Buffer.from(text, 'utf8'));
    this.commits.set(sha, {
      sha,
      tree: input.tree,
      parents: [...input.parents],
      message: input.message,
      author,
      committer,
    });
    return sha;
  }

  /** Whether `ancestor` is `descendant` or reachable from it through parents. */
  isAncestor(ancestor: string, descendant: string): boolean {
    const stack = [descendant];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const sha = stack.pop() as string;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      stack.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return false;
  }

  /** `main`, `heads/main` or `refs/heads/main` → the commit sha, if the ref exists. */
  resolveRef(name: string): string | undefined {
    const candidates = name.startsWith('refs/')
      ? [name]
      : [`refs/${name}`, `refs/heads/${name}`, `refs/tags/${name}`];
    for (const candidate of candidates) {
      const sha = this.refs.get(candidate);
      if (sha) return sha;
    }
    return undefined;
  }

  /** A commit sha or ref name → the commit sha. */
  resolveCommit(commitish: string): string | undefined {
    if (this.commits.has(commitish)) return commitish;
    return this.resolveRef(commitish);
  }

  /** Test seeding: commits `files` (path → text) on top of `ref` (created when missing). */
  commitFiles(ref: string, files: Record<string, string>, message = 'seed'): string {
    const full = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
    const parent = this.refs.get(full);
    const flat = parent ? this.flatten(this.commits.get(parent)!.tree) : new Map<string, FakeTreeEntry>();
    for (const [path, content] of Object.entries(files)) {
      flat.set(path, { path, mode: '100644', type: 'blob', sha: this.writeBlob(content) });
    }
    const sha = this.writeCommit({ tree: this.writeTree(flat), parents: parent ? [parent] : [], message });
    this.refs.set(full, sha);
    return sha;
  }

  /** Test assertion: the text of `path` at a commit or ref, or undefined. */
  readFile(commitish: string, path: string): string | undefined {
    const commit = this.resolveCommit(commitish);
    if (!commit) return undefined;
    const entry = this.flatten(this.commits.get(commit)!.tree).get(path);
    return entry && entry.type === 'blob' ? this.blobs.get(entry.sha)?.toString('utf8') : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// State

export class FakeRepo {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  defaultBranch: string;
  isPrivate: boolean;
  readonly comments: FakeComment[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly pulls = new Map<number, FakePullRequest>();
  /** Issue numbers that exist apart from pull requests. */
  readonly issues = new Set<number>();
  /** Issues created through the API (`POST /issues`), with their title, body, state and labels. */
  readonly issueRecords = new Map<number, FakeIssue>();
  readonly git: FakeGit;

  constructor(
    id: number,
    owner: string,
    name: string,
    defaultBranch: string,
    isPrivate: boolean,
    git: FakeGit,
  ) {
    this.id = id;
    this.owner = owner;
    this.name = name;
    this.defaultBranch = defaultBranch;
    this.isPrivate = isPrivate;
    this.git = git;
  }

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  hasIssue(number: number): boolean {
    return this.issues.has(number) || this.pulls.has(number) || this.issueRecords.has(number);
  }

  /** The next free issue (and pull request) number: they share one sequence, as on GitHub. */
  nextIssueNumber(): number {
    let number = 1;
    while (this.hasIssue(number)) number++;
    return number;
  }

  commentsOn(issueNumber: number): FakeComment[] {
    return this.comments.filter((comment) => comment.issueNumber === issueNumber);
  }
}

export interface AddPullRequest {
  number?: number;
  title?: string;
  headRef?: string;
  headSha?: string;
  baseRef?: string;
  baseSha?: string;
  files?: FakePullFile[];
}

export class FakeGitHubState {
  readonly repos = new Map<string, FakeRepo>();
  readonly tokens = new Map<string, TokenInfo>();
  readonly #users = new Map<string, FakeUser>();
  readonly now: () => Date;
  #nextId = 1000;

  constructor(now: () => Date) {
    this.now = now;
  }

  nextId(): number {
    return this.#nextId++;
  }

  timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  user(login: string, type: UserType = 'User'): FakeUser {
    let user = this.#users.get(login);
    if (!user) this.#users.set(login, (user = { id: this.nextId(), login, type }));
    return user;
  }

  addToken(token: string, info: TokenInfo): void {
    this.tokens.set(token, info);
    this.user(info.login, info.type ?? 'User');
  }

  addRepo(
    owner: string,
    name: string,
    options: { defaultBranch?: string; private?: boolean } = {},
  ): FakeRepo {
    const key = `${owner}/${name}`.toLowerCase();
    if (this.repos.has(key)) throw new Error(`fake-github: repository ${owner}/${name} already exists`);
    const repo = new FakeRepo(
      this.nextId(),
      owner,
      name,
      options.defaultBranch ?? 'main',
      options.private ?? false,
      new FakeGit(this.now),
    );
    this.repos.set(key, repo);
    return repo;
  }

  findRepo(owner: string, name: string): FakeRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  repo(owner = DEFAULT_OWNER, name = DEFAULT_REPO): FakeRepo {
    const repo = this.findRepo(owner, name);
    if (!repo) throw new Error(`fake-github: no repository ${owner}/${name}`);
    return repo;
  }

  /** Registers a pull request (and so its issue number). Shas default to fresh fake ids. */
  addPullRequest(repo: FakeRepo, input: AddPullRequest = {}): FakePullRequest {
    let number = input.number ?? 1;
    if (input.number === undefined) while (repo.hasIssue(number)) number++;
    const fakeSha = (): string => createHash('sha1').update(`fake-${this.nextId()}`).digest('hex');
    const pull: FakePullRequest = {
      number,
      title: input.title ?? `Pull request #${number}`,
      state: 'open',
      head: { ref: input.headRef ?? `feature-${number}`, sha: input.headSha ?? fakeSha() },
      base: { ref: input.baseRef ?? repo.defaultBranch, sha: input.baseSha ?? fakeSha() },
      files: input.files ?? [],
      user: this.user('octocat'),
    };
    repo.pulls.set(number, pull);
    return pull;
  }
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI description and its validators

type JsonObject = Record<string, unknown>;

interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
}

interface Operation {
  method: string;
  template: string;
  route: string;
  operationId: string;
  documentationUrl: string;
  regex: RegExp;
  paramNames: string[];
  parameters: SpecParameter[];
  requestBody?: { required: boolean; schema: JsonObject };
  responses: Record<string, JsonObject | undefined>;
}

const SPEC_ID = 'https://fake-github.evalgate.invalid/openapi.json';
const SPEC_FILE = new URL('../fixtures/github-openapi.json', import.meta.url);
const DEFAULT_DOCS = 'https://docs.github.com/rest';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * OpenAPI 3.0 schema → JSON Schema draft-07: `nullable` becomes a `null` type (or an `anyOf`
 * with null when there is no `type`), component refs become absolute refs into one schema
 * document registered with Ajv, and `discriminator` (advisory in OpenAPI) is dropped.
 */
function toJsonSchema(node: unknown, parentKey?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item));
  if (!isObject(node)) return node;
  const namesProperties = parentKey === 'properties' || parentKey === 'patternProperties';
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (namesProperties) {
      out[key] = toJsonSchema(value);
    } else if (key === 'nullable' || key === 'discriminator') {
      continue;
    } else if (key === '$ref' && typeof value === 'string') {
      out[key] = value.startsWith('#/') ? `${SPEC_ID}${value}` : value;
    } else if (key === 'enum' || key === 'default' || key === 'const') {
      out[key] = value;
    } else {
      out[key] = toJsonSchema(value, key);
    }
  }
  if (!namesProperties && node.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else {
      return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

function collectFormats(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) collectFormats(item, into);
  else if (isObject(node))
    for (const [key, value] of Object.entries(node)) {
      if (key === 'format' && typeof value === 'string') into.add(value);
      else collectFormats(value, into);
    }
}

/** The trimmed description, indexed by route, with lazily compiled validators. */
class OpenApi {
  readonly operations: Operation[] = [];
  readonly #spec: JsonObject;
  readonly #ajv: Ajv;
  readonly #validators = new Map<unknown, ValidateFunction>();

  constructor(spec: JsonObject) {
    this.#spec = spec;
    this.#ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: true });
    addFormats(this.#ajv);
    // GitHub uses formats JSON Schema does not define (int64, timestamp, ...): accept them.
    const formats = new Set<string>();
    collectFormats(spec, formats);
    for (const format of formats) if (!this.#ajv.formats[format]) this.#ajv.addFormat(format, true);
    const components = spec.components as JsonObject;
    this.#ajv.addSchema({ $id: SPEC_ID, components: { schemas: toJsonSchema(components.schemas) } });

    for (const [template, item] of Object.entries(spec.paths as Record<string, JsonObject>)) {
      const shared = ((item.parameters as unknown[]) ?? []).map(
        (p) => this.#deref(p) as unknown as SpecParameter,
      );
      for (const [method, raw] of Object.entries(item)) {
        if (method === 'parameters' || !isObject(raw)) continue;
        const paramNames: string[] = [];
        const segments = template.split('/').map((segment, index, all) => {
          const param = /^\{(.+)\}$/.exec(segment);
          if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          paramNames.push(param[1]!);
          // Refs may arrive unencoded (`heads/main`): a trailing {ref} takes the rest of the path.
          return param[1] === 'ref' && index === all.length - 1 ? '(.+)' : '([^/]+)';
        });
        const body = raw.requestBody ? (this.#deref(raw.requestBody) as JsonObject) : undefined;
        const bodySchema = (body?.content as JsonObject | undefined)?.['application/json'] as
          JsonObject | undefined;
        const responses: Record<string, JsonObject | undefined> = {};
        for (const [status, response] of Object.entries((raw.responses as JsonObject) ?? {})) {
          const content = (this.#deref(response) as JsonObject).content as JsonObject | undefined;
          responses[status] = (content?.['application/json'] as JsonObject | undefined)?.schema as
            JsonObject | undefined;
        }
        this.operations.push({
          method: method.toUpperCase(),
          template,
          route: `${method.toUpperCase()} ${template}`,
          operationId: String(raw.operationId),
          documentationUrl:
            typeof raw['x-documentation-url'] === 'string' ? raw['x-documentation-url'] : DEFAULT_DOCS,
          regex: new RegExp(`^${segments.join('/')}$`),
          paramNames,
          parameters: [
            ...shared,
            ...((raw.parameters as unknown[]) ?? []).map((p) => this.#deref(p) as unknown as SpecParameter),
          ],
          ...(bodySchema?.schema
            ? { requestBody: { required: body?.required === true, schema: bodySchema.schema as JsonObject } }
            : {}),
          responses,
        });
      }
    }
    // Literal segments win over parameters (`issues/comments/{id}` over `issues/{number}/comments`).
    this.operations.sort((a, b) => a.paramNames.length - b.paramNames.length);
  }

  #deref(node: unknown): unknown {
    let current = node;
    for (let depth = 0; isObject(current) && typeof current.$ref === 'string'; depth++) {
      if (depth > 20) throw new Error('fake-github: $ref loop');
      const path = current.$ref.replace(/^#\//, '').split('/');
      current = path.reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), this.#spec);
    }
    return current;
  }

  /** Follows component refs in raw (OpenAPI) schemas, for the response filler. */
  resolveSchema(schema: unknown): JsonObject {
    return (this.#deref(schema) as JsonObject) ?? {};
  }

  match(
    method: string,
    pathname: string,
  ): { operation: Operation; params: Record<string, string> } | undefined {
    for (const operation of this.operations) {
      if (operation.method !== method) continue;
      const found = operation.regex.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      try {
        operation.paramNames.forEach((name, index) => {
          params[name] = decodeURIComponent(found[index + 1]!);
        });
      } catch {
        return undefined;
      }
      return { operation, params };
    }
    return undefined;
  }

  validator(schema: JsonObject): ValidateFunction {
    let validate = this.#validators.get(schema);
    if (!validate) {
      validate = this.#ajv.compile(toJsonSchema(schema) as JsonObject);
      this.#validators.set(schema, validate);
    }
    return validate;
  }
}

let cachedSpec: JsonObject | undefined;
function loadSpec(): JsonObject {
  cachedSpec ??= JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as JsonObject;
  return cachedSpec;
}

/** GitHub-style wording for schema failures: `"head_sha" wasn't supplied.`, `... is not a member of ...`. */
function describeAjvError(error: ErrorObject): { message: string; field: string; code: string } {
  const at = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const field = at || (error.params as { missingProperty?: string }).missingProperty || '';
  const where = `For '${at || '(body)'}'`;
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const full = at ? `${at}.${missing}` : missing;
      return { message: `"${full}" wasn't supplied.`, field: full, code: 'missing_field' };
    }
    case 'enum':
      return {
        message: `${where}, ${JSON.stringify(error.data)} is not a member of ${JSON.stringify(
          (error.params as { allowedValues: unknown[] }).allowedValues,
        )}.`,
        field,
        code: 'invalid',
      };
    case 'type':
      return {
        message: `${where}, ${JSON.stringify(error.data)} is not a ${(error.params as { type: string }).type}.`,
        field,
        code: 'invalid',
      };
    case 'maxItems':
    case 'maxLength':
      return { message: `${where}, is too long (${error.message ?? 'too long'}).`, field, code: 'invalid' };
    default:
      return { message: `${where}, ${error.message ?? 'is invalid'}.`, field, code: 'invalid' };
  }
}

// ---------------------------------------------------------------------------------------------
// Request handling

class HttpError extends Error {
  readonly status: number;
  readonly extra: JsonObject;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, extra: JsonObject = {}, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
    this.headers = headers;
  }
}

const notFound = (): HttpError => new HttpError(404, 'Not Found');
const validationFailed = (errors: JsonObject[]): HttpError =>
  new HttpError(422, 'Validation Failed', { errors });

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface Context {
  operation: Operation;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: JsonObject;
  actor: FakeUser;
  repo: FakeRepo;
  /** Base URL of the fake, e.g. `http://127.0.0.1:1234`. */
  base: string;
  path: string;
}

type Handler = (ctx: Context) => Reply;

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const api = new OpenApi(loadSpec());
  const now = options.now ?? (() => new Date());
  const state = new FakeGitHubState(now);
  for (const [token, info] of Object.entries(
    options.tokens ?? { [DEFAULT_TOKEN]: { login: 'github-actions[bot]', type: 'Bot' } },
  )) {
    state.addToken(token, info);
  }
  for (const repo of options.repos ?? [{ owner: DEFAULT_OWNER, repo: DEFAULT_REPO }]) {
    state.addRepo(repo.owner, repo.repo, {
      ...(repo.defaultBranch ? { defaultBranch: repo.defaultBranch } : {}),
      ...(repo.private !== undefined ? { private: repo.private } : {}),
    });
  }
  const validateResponses = options.validateResponses ?? true;
  const requests: RecordedRequest[] = [];
  const responseViolations: FakeGitHub['responseViolations'] = [];
  const scripts: { match: RequestMatch; response: ScriptedResponse; left: number }[] = [];
  /** Scripted delays still running: close() ends them, so a long delay never outlives the fake. */
  const delays = new Map<ReturnType<typeof setTimeout>, () => void>();
  let base = '';

  const shapes = new Shapes(api, state, () => base);
  const handlers = buildHandlers(state, shapes);

  const checkResponse = (schema: JsonObject, body: unknown): string[] => {
    const validate = api.validator(schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim());
  };

  const send = (res: ServerResponse, reply: Reply, record: RecordedRequest): void => {
    record.status = reply.status;
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-request-id': `FAKE:${requests.length}`,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-reset': String(Math.floor(now().getTime() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      ...reply.headers,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const raw = await readBody(req);
    let body: unknown = undefined;
    let bodyIsJson = true;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        bodyIsJson = false;
      }
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const matched = api.match(method, url.pathname);
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      ...(matched ? { route: matched.operation.route } : {}),
    };
    requests.push(record);

    const script = scripts.find((entry) => entry.left > 0 && matches(entry.match, record));
    if (script) {
      script.left--;
      record.scripted = true;
      if (script.response.delayMs) {
        await new Promise<void>((r) => {
          const timer = setTimeout(() => {
            delays.delete(timer);
            r();
          }, script.response.delayMs);
          delays.set(timer, r);
        });
      }
      if (res.destroyed) return;
      send(
        res,
        {
          status: script.response.status,
          body: script.response.body,
          ...(script.response.headers ? { headers: script.response.headers } : {}),
        },
        record,
      );
      return;
    }

    let reply: Reply;
    const docs = matched?.operation.documentationUrl ?? DEFAULT_DOCS;
    try {
      if (!matched) throw notFound();
      if (!bodyIsJson) throw new HttpError(400, 'Problems parsing JSON');
      reply = dispatch(matched.operation, matched.params, url, body, req.headers);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      reply = {
        status: error.status,
        body: {
          message: error.message,
          ...error.extra,
          documentation_url: docs,
          status: String(error.status),
        },
        headers: error.headers,
      };
    }

    if (validateResponses && matched) {
      const schema = matched.operation.responses[String(reply.status)] ?? matched.operation.responses.default;
      if (schema) {
        const errors = checkResponse(schema, reply.body);
        if (errors.length > 0) {
          responseViolations.push({ route: matched.operation.route, status: reply.status, errors });
          reply = {
            status: 500,
            body: { message: `fake-github: response does not match the schema: ${errors.join('; ')}` },
          };
        }
      }
    }
    send(res, reply, record);
  };

  const dispatch = (
    operation: Operation,
    params: Record<string, string>,
    url: URL,
    body: unknown,
    headers: IncomingHttpHeaders,
  ): Reply => {
    const actor = authenticate(state, headers);
    // Parameters: path mismatches are routing failures on GitHub (404); query ones are 422.
    const query: Record<string, unknown> = {};
    const typed: Record<string, string> = { ...params };
    for (const parameter of operation.parameters) {
      if (parameter.in !== 'path' && parameter.in !== 'query') continue;
      const present = parameter.in === 'path' ? params[parameter.name] : url.searchParams.get(parameter.name);
      if (present === null || present === undefined) {
        if (parameter.required) throw validationFailed([{ code: 'missing_field', field: parameter.name }]);
        continue;
      }
      const value = coerce(present, parameter.schema);
      if (parameter.schema && !api.validator(parameter.schema)(value)) {
        if (parameter.in === 'path') throw notFound();
        throw new HttpError(
          422,
          `Invalid request.\n\n${JSON.stringify(present)} is not a valid ${parameter.name}.`,
          {
            errors: [{ code: 'invalid', field: parameter.name, value: present }],
          },
        );
      }
      if (parameter.in === 'query') query[parameter.name] = value;
      else typed[parameter.name] = present;
    }
    // As on GitHub: an unknown repository is 404 before permissions, permissions before the body.
    let repo: FakeRepo | undefined;
    if (typed.owner !== undefined && typed.repo !== undefined) {
      repo = state.findRepo(typed.owner, typed.repo);
      if (!repo) throw notFound();
    }
    if (WRITE_METHODS.has(operation.method) && state.tokens.get(actor.token)?.readOnly) {
      throw new HttpError(403, 'Resource not accessible by integration');
    }
    if (operation.requestBody) {
      if (body === undefined && operation.requestBody.required) {
        throw new HttpError(422, 'Invalid request.\n\nThe request body is required.');
      }
      if (body !== undefined) {
        const validate = api.validator(operation.requestBody.schema);
        if (!validate(body)) {
          const described = (validate.errors ?? []).map(describeAjvError);
          throw new HttpError(422, `Invalid request.\n\n${described.map((d) => d.message).join('\n')}`, {
            errors: described.map((d) => ({ code: d.code, field: d.field, message: d.message })),
          });
        }
      }
    }
    const handler = handlers[operation.route];
    if (!handler) throw notFound();
    return handler({
      operation,
      params: typed,
      query,
      body: isObject(body) ? body : {},
      actor: actor.user,
      repo: repo as FakeRepo,
      base,
      path: url.pathname,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ message: `fake-github: ${String(error instanceof Error ? error.stack : error)}` }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    state,
    requests,
    responseViolations,
    validateResponse(route, status, body) {
      const operation = api.operations.find((candidate) => candidate.route === route);
      const schema = operation?.responses[String(status)];
      if (!schema) throw new Error(`fake-github: no response schema for ${route} ${status}`);
      return checkResponse(schema, body);
    },
    script(match, response, times = 1) {
      const entry = { match, response, left: times };
      scripts.push(entry);
      return { remaining: () => entry.left };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const [timer, end] of delays) {
          clearTimeout(timer);
          end();
        }
        delays.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function matches(match: RequestMatch, request: RecordedRequest): boolean {
  if (typeof match === 'function') return match(request);
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (match.route && match.route !== request.route) return false;
  if (typeof match.path === 'string' && match.path !== request.path) return false;
  if (match.path instanceof RegExp && !match.path.test(request.path)) return false;
  return true;
}

function coerce(value: string, schema: JsonObject | undefined): unknown {
  const type = schema?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function authenticate(
  state: FakeGitHubState,
  headers: IncomingHttpHeaders,
): { user: FakeUser; token: string } {
  const header = headers.authorization;
  if (!header) throw new HttpError(401, 'Requires authentication');
  const found = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
  const token = found?.[1];
  const info = token ? state.tokens.get(token) : undefined;
  if (!token || !info) throw new HttpError(401, 'Bad credentials');
  return { user: state.user(info.login, info.type ?? 'User'), token };
}

/** Pages `items` like GitHub: `per_page` (max 100, default 30), `page`, and a `Link` header. */
function paginate<T>(ctx: Context, items: T[]): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(ctx.query.per_page ?? 30), 1), 100);
  const page = Math.max(Number(ctx.query.page ?? 1), 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(ctx.query)) if (key !== 'page') params.set(key, String(value));
    params.set('per_page', String(perPage));
    params.set('page', String(n));
    return `${ctx.base}${ctx.path}?${params.toString()}`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`<${link(page - 1)}>; rel="prev"`);
  if (page < last) rels.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
  if (page > 1) rels.push(`<${link(1)}>; rel="first"`);
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: rels.length > 0 ? { link: rels.join(', ') } : {},
  };
}

// ---------------------------------------------------------------------------------------------
// Response shapes: the fields tests care about come from state; every other field the schema
// requires is filled from the schema itself (null where nullable, else an empty value of the
// right type), so each answer is complete without hand-writing GitHub's 80-field objects.

class Shapes {
  readonly #api: OpenApi;
  readonly #state: FakeGitHubState;
  readonly #base: () => string;

  constructor(api: OpenApi, state: FakeGitHubState, base: () => string) {
    this.#api = api;
    this.#state = state;
    this.#base = base;
  }

  /** Completes `value` to satisfy the named component schema. */
  complete(component: string, value: JsonObject): JsonObject {
    return this.fill({ $ref: `#/components/schemas/${component}` }, value, 0) as JsonObject;
  }

  fill(rawSchema: unknown, value: unknown, depth: number): unknown {
    const schema = this.#api.resolveSchema(rawSchema);
    if (depth > 25) return value ?? null;
    const branches = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
    if (value === undefined) {
      if (schema.nullable === true) return null;
      if (branches?.length) return this.fill(branches[0], undefined, depth + 1);
      if (Array.isArray(schema.enum)) return schema.enum[0];
      switch (schema.type) {
        case 'string':
          return this.#emptyString(schema.format);
        case 'integer':
        case 'number':
          return typeof schema.minimum === 'number' ? schema.minimum : 0;
        case 'boolean':
          return false;
        case 'array':
          return [];
        default:
          return this.#fillObject(schema, {}, depth);
      }
    }
    if (value === null) return null;
    if (branches?.length && isObject(value)) return this.fill(branches[0], value, depth + 1);
    if (Array.isArray(value) && schema.items)
      return value.map((item) => this.fill(schema.items, item, depth + 1));
    if (isObject(value) && (schema.type === 'object' || schema.properties)) {
      return this.#fillObject(schema, value, depth);
    }
    return value;
  }

  #fillObject(schema: JsonObject, value: JsonObject, depth: number): JsonObject {
    const properties = (schema.properties ?? {}) as JsonObject;
    const out: JsonObject = { ...value };
    for (const [key, given] of Object.entries(value)) {
      if (properties[key] !== undefined && given !== undefined)
        out[key] = this.fill(properties[key], given, depth + 1);
    }
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (out[key] === undefined) out[key] = this.fill(properties[key] ?? {}, undefined, depth + 1);
    }
    return out;
  }

  #emptyString(format: unknown): string {
    switch (format) {
      case 'date-time':
        return this.#state.timestamp();
      case 'date':
        return this.#state.timestamp().slice(0, 10);
      case 'uri':
      case 'uri-template':
        return `${this.#base()}/`;
      case 'email':
        return 'noreply@github.invalid';
      default:
        return '';
    }
  }

  apiUrl(path: string): string {
    return `${this.#base()}${path}`;
  }

  htmlUrl(path: string): string {
    return `${this.#base()}/html${path}`;
  }

  user(user: FakeUser): JsonObject {
    return this.complete('simple-user', {
      login: user.login,
      id: user.id,
      node_id: `U_${user.id}`,
      type: user.type,
      site_admin: false,
      url: this.apiUrl(`/users/${encodeURIComponent(user.login)}`),
      html_url: this.htmlUrl(`/${encodeURIComponent(user.login)}`),
    });
  }

  repository(repo: FakeRepo, component: 'repository' | 'full-repository' = 'repository'): JsonObject {
    return this.complete(component, {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: repo.fullName,
      owner: this.user(this.#state.user(repo.owner, 'Organization')),
      private: repo.isPrivate,
      visibility: repo.isPrivate ? 'private' : 'public',
      default_branch: repo.defaultBranch,
      url: this.apiUrl(`/repos/${repo.fullName}`),
      html_url: this.htmlUrl(`/${repo.fullName}`),
    });
  }

  comment(repo: FakeRepo, comment: FakeComment): JsonObject {
    return this.complete('issue-comment', {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: this.apiUrl(`/repos/${repo.fullName}/issues/comments/${comment.id}`),
      html_url: comment.htmlUrl,
      issue_url: this.apiUrl(`/repos/${repo.fullName}/issues/${comment.issueNumber}`),
      body: comment.body,
      user: this.user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: 'NONE',
    });
  }

  checkRun(repo: FakeRepo, run: FakeCheckRun): JsonObject {
    return this.complete('check-run', {
      id: run.id,
      node_id: `CR_${run.id}`,
      name: run.name,
      head_sha: run.headSha,
      external_id: run.externalId,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      url: this.apiUrl(`/repos/${repo.fullName}/check-runs/${run.id}`),
      html_url: this.htmlUrl(`/${repo.fullName}/runs/${run.id}`),
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: run.annotations.length,
        annotations_url: this.apiUrl(`/repos/${repo.fullName}/check-runs/${run.id}/annotations`),
      },
      check_suite: { id: run.id + 1 },
      app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions', node_id: 'MDM6QXBwMTUzNjg=' },
      pull_requests: [],
    });
  }

  pull(repo: FakeRepo, pull: FakePullRequest): JsonObject {
    const repository = this.repository(repo);
    const branch = (side: { ref: string; sha: string }): JsonObject => ({
      label: `${repo.owner}:${side.ref}`,
      ref: side.ref,
      sha: side.sha,
      repo: repository,
      user: this.user(this.#state.user(repo.owner, 'Organization')),
    });
    const files = pull.files;
    return this.complete('pull-request', {
      id: repo.id * 1000 + pull.number,
      node_id: `PR_${pull.number}`,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body ?? null,
      url: this.apiUrl(`/repos/${repo.fullName}/pulls/${pull.number}`),
      html_url: this.htmlUrl(`/${repo.fullName}/pull/${pull.number}`),
      user: this.user(pull.user),
      head: branch(pull.head),
      base: branch(pull.base),
      draft: false,
      merged: false,
      mergeable: true,
      mergeable_state: 'clean',
      changed_files: files.length,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: files.reduce((sum, file) => sum + file.deletions, 0),
      commits: 1,
      author_association: 'MEMBER',
    });
  }

  issue(repo: FakeRepo, issue: FakeIssue): JsonObject {
    return this.complete('issue', {
      id: repo.id * 1000 + issue.number,
      node_id: `I_${issue.number}`,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.stateReason,
      locked: false,
      comments: repo.commentsOn(issue.number).length,
      labels: issue.labels.map((name, index) => ({
        id: index + 1,
        node_id: `LA_${index + 1}`,
        url: this.apiUrl(`/repos/${repo.fullName}/labels/${encodeURIComponent(name)}`),
        name,
        description: null,
        color: 'ededed',
        default: false,
      })),
      url: this.apiUrl(`/repos/${repo.fullName}/issues/${issue.number}`),
      html_url: this.htmlUrl(`/${repo.fullName}/issues/${issue.number}`),
      repository_url: this.apiUrl(`/repos/${repo.fullName}`),
      labels_url: this.apiUrl(`/repos/${repo.fullName}/issues/${issue.number}/labels{/name}`),
      comments_url: this.apiUrl(`/repos/${repo.fullName}/issues/${issue.number}/comments`),
      events_url: this.apiUrl(`/repos/${repo.fullName}/issues/${issue.number}/events`),
      user: this.user(issue.user),
      assignee: null,
      milestone: null,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: 'NONE',
    });
  }

  /** A pull request as `GET /pulls` lists it (`pull-request-simple`). */
  pullSimple(repo: FakeRepo, pull: FakePullRequest): JsonObject {
    const full = this.pull(repo, pull);
    const pick = (keys: string[]): JsonObject =>
      Object.fromEntries(keys.filter((key) => key in full).map((key) => [key, full[key]]));
    return this.complete(
      'pull-request-simple',
      pick(['id', 'node_id', 'number', 'state', 'title', 'url', 'html_url', 'user', 'head', 'base', 'draft']),
    );
  }

  pullFile(repo: FakeRepo, pull: FakePullRequest, file: FakePullFile): JsonObject {
    const sha = createHash('sha1').update(`${pull.head.sha}:${file.filename}`).digest('hex');
    return this.complete('diff-entry', {
      sha,
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      blob_url: this.htmlUrl(`/${repo.fullName}/blob/${pull.head.sha}/${file.filename}`),
      raw_url: this.htmlUrl(`/${repo.fullName}/raw/${pull.head.sha}/${file.filename}`),
      contents_url: this.apiUrl(`/repos/${repo.fullName}/contents/${file.filename}?ref=${pull.head.sha}`),
      ...(file.patch !== undefined ? { patch: file.patch } : {}),
      ...(file.previousFilename !== undefined ? { previous_filename: file.previousFilename } : {}),
    });
  }

  gitRef(repo: FakeRepo, ref: string, sha: string): JsonObject {
    return this.complete('git-ref', {
      ref,
      node_id: `REF_${Buffer.from(ref).toString('base64')}`,
      url: this.apiUrl(`/repos/${repo.fullName}/git/${ref}`),
      object: { type: 'commit', sha, url: this.apiUrl(`/repos/${repo.fullName}/git/commits/${sha}`) },
    });
  }

  gitCommit(repo: FakeRepo, commit: FakeGitCommit): JsonObject {
    return this.complete('git-commit', {
      sha: commit.sha,
      node_id: `C_${commit.sha}`,
      url: this.apiUrl(`/repos/${repo.fullName}/git/commits/${commit.sha}`),
      html_url: this.htmlUrl(`/${repo.fullName}/commit/${commit.sha}`),
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      tree: { sha: commit.tree, url: this.apiUrl(`/repos/${repo.fullName}/git/trees/${commit.tree}`) },
      parents: commit.parents.map((sha) => ({
        sha,
        url: this.apiUrl(`/repos/${repo.fullName}/git/commits/${sha}`),
        html_url: this.htmlUrl(`/${repo.fullName}/commit/${sha}`),
      })),
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    });
  }

  gitTree(repo: FakeRepo, sha: string, entries: FakeTreeEntry[]): JsonObject {
    return this.complete('git-tree', {
      sha,
      url: this.apiUrl(`/repos/${repo.fullName}/git/trees/${sha}`),
      truncated: false,
      tree: entries.map((entry) => ({
        path: entry.path,
        mode: entry.mode,
        type: entry.type,
        sha: entry.sha,
        ...(entry.type === 'blob' ? { size: repo.git.blobs.get(entry.sha)?.length ?? 0 } : {}),
        url: this.apiUrl(
          `/repos/${repo.fullName}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`,
        ),
      })),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Handlers, one per operation in the trimmed description

function buildHandlers(state: FakeGitHubState, shapes: Shapes): Record<string, Handler> {
  const ok = (body: unknown, headers?: Record<string, string>): Reply => ({
    status: 200,
    body,
    ...(headers ? { headers } : {}),
  });
  const created = (body: unknown): Reply => ({ status: 201, body });
  const issueOf = (ctx: Context): number => {
    const number = Number(ctx.params.issue_number);
    if (!ctx.repo.hasIssue(number)) throw notFound();
    return number;
  };
  const checkCommentBody = (body: string): void => {
    if (body.length > COMMENT_BODY_LIMIT) {
      throw validationFailed([
        {
          resource: 'IssueComment',
          code: 'custom',
          field: 'body',
          message: `body is too long (maximum is ${COMMENT_BODY_LIMIT} characters)`,
        },
      ]);
    }
  };
  const findRun = (ctx: Context): FakeCheckRun => {
    const run = ctx.repo.checkRuns.find((candidate) => candidate.id === Number(ctx.params.check_run_id));
    if (!run) throw notFound();
    return run;
  };
  /** Status and conclusion rules GitHub applies on top of the schema. */
  const applyCheckFields = (run: FakeCheckRun, body: JsonObject): void => {
    if (typeof body.name === 'string') run.name = body.name;
    if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
    if (typeof body.external_id === 'string') run.externalId = body.external_id;
    if (typeof body.started_at === 'string') run.startedAt = body.started_at;
    if (typeof body.status === 'string') run.status = body.status as CheckStatus;
    if (typeof body.conclusion === 'string') {
      run.conclusion = body.conclusion;
      run.status = 'completed';
    }
    if (run.status === 'completed') {
      if (run.conclusion === null)
        throw new HttpError(422, `Invalid request.\n\n"conclusion" wasn't supplied.`);
      run.completedAt = typeof body.completed_at === 'string' ? body.completed_at : state.timestamp();
    }
    const output = body.output as JsonObject | undefined;
    if (output) {
      run.output = {
        title: typeof output.title === 'string' ? output.title : run.output.title,
        summary: typeof output.summary === 'string' ? output.summary : run.output.summary,
        text: typeof output.text === 'string' ? output.text : run.output.text,
      };
      if (Array.isArray(output.annotations)) run.annotations.push(...output.annotations);
    }
  };
  const gitRefName = (ctx: Context): string => `refs/${ctx.params.ref!.replace(/^refs\//, '')}`;

  return {
    'GET /user': (ctx) => {
      // Installation tokens (GITHUB_TOKEN) cannot read /user on GitHub either.
      if (ctx.actor.type === 'Bot') throw new HttpError(403, 'Resource not accessible by integration');
      return ok(
        shapes.fill(
          { $ref: '#/components/schemas/private-user' },
          { ...shapes.user(ctx.actor), user_view_type: 'private', two_factor_authentication: false },
          0,
        ),
      );
    },

    'GET /repos/{owner}/{repo}': (ctx) => ok(shapes.repository(ctx.repo, 'full-repository')),

    'GET /repos/{owner}/{repo}/pulls/{pull_number}': (ctx) => {
      const pull = ctx.repo.pulls.get(Number(ctx.params.pull_number));
      if (!pull) throw notFound();
      return ok(shapes.pull(ctx.repo, pull));
    },

    'GET /repos/{owner}/{repo}/pulls/{pull_number}/files': (ctx) => {
      const pull = ctx.repo.pulls.get(Number(ctx.params.pull_number));
      if (!pull) throw notFound();
      const { page, headers } = paginate(ctx, pull.files.slice(0, PULL_FILES_CAP));
      return ok(
        page.map((file) => shapes.pullFile(ctx.repo, pull, file)),
        headers,
      );
    },

    'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': (ctx) => {
      const number = issueOf(ctx);
      const since = typeof ctx.query.since === 'string' ? Date.parse(ctx.query.since) : undefined;
      const comments = ctx.repo
        .commentsOn(number)
        .filter((comment) => since === undefined || Date.parse(comment.updatedAt) >= since);
      const { page, headers } = paginate(ctx, comments);
      return ok(
        page.map((comment) => shapes.comment(ctx.repo, comment)),
        headers,
      );
    },

    'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': (ctx) => {
      const number = issueOf(ctx);
      const body = ctx.body.body as string;
      checkCommentBody(body);
      const id = state.nextId();
      const at = state.timestamp();
      const comment: FakeComment = {
        id,
        issueNumber: number,
        body,
        user: ctx.actor,
        createdAt: at,
        updatedAt: at,
        htmlUrl: shapes.htmlUrl(`/${ctx.repo.fullName}/pull/${number}#issuecomment-${id}`),
      };
      ctx.repo.comments.push(comment);
      return created(shapes.comment(ctx.repo, comment));
    },

    'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': (ctx) => {
      const comment = ctx.repo.comments.find((candidate) => candidate.id === Number(ctx.params.comment_id));
      if (!comment) throw notFound();
      const body = ctx.body.body as string;
      checkCommentBody(body);
      comment.body = body;
      comment.updatedAt = state.timestamp();
      return ok(shapes.comment(ctx.repo, comment));
    },

    'POST /repos/{owner}/{repo}/check-runs': (ctx) => {
      const run: FakeCheckRun = {
        id: state.nextId(),
        name: ctx.body.name as string,
        headSha: ctx.body.head_sha as string,
        status: 'queued',
        conclusion: null,
        startedAt: state.timestamp(),
        completedAt: null,
        detailsUrl: null,
        externalId: null,
        output: { title: null, summary: null, text: null },
        annotations: [],
      };
      applyCheckFields(run, ctx.body);
      ctx.repo.checkRuns.push(run);
      return created(shapes.checkRun(ctx.repo, run));
    },

    'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': (ctx) => {
      const run = findRun(ctx);
      const draft: FakeCheckRun = {
        ...run,
        output: { ...run.output },
        annotations: [...run.annotations],
      };
      applyCheckFields(draft, ctx.body);
      Object.assign(run, draft);
      return ok(shapes.checkRun(ctx.repo, run));
    },

    'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': (ctx) => {
      const ref = ctx.params.ref!;
      const sha = ctx.repo.git.resolveCommit(ref) ?? ref;
      let runs = ctx.repo.checkRuns.filter((run) => run.headSha === sha);
      if (typeof ctx.query.check_name === 'string')
        runs = runs.filter((run) => run.name === ctx.query.check_name);
      if (typeof ctx.query.status === 'string') runs = runs.filter((run) => run.status === ctx.query.status);
      if ((ctx.query.filter ?? 'latest') === 'latest') {
        const latest = new Map<string, FakeCheckRun>();
        for (const run of runs) latest.set(run.name, run);
        runs = [...latest.values()];
      }
      runs = [...runs].reverse();
      const { page, headers } = paginate(ctx, runs);
      return ok(
        { total_count: runs.length, check_runs: page.map((run) => shapes.checkRun(ctx.repo, run)) },
        headers,
      );
    },

    // ---- Issues (not pull requests) and opening pull requests ----

    'GET /repos/{owner}/{repo}/issues': (ctx) => {
      const state = (ctx.query.state as string | undefined) ?? 'open';
      const labels =
        typeof ctx.query.labels === 'string' ? ctx.query.labels.split(',').map((l) => l.trim()) : [];
      const issues = [...ctx.repo.issueRecords.values()]
        .filter((issue) => state === 'all' || issue.state === state)
        .filter((issue) => labels.every((label) => issue.labels.includes(label)))
        // GitHub's default order: newest first.
        .sort((a, b) => (ctx.query.direction === 'asc' ? a.number - b.number : b.number - a.number));
      const { page, headers } = paginate(ctx, issues);
      return ok(
        page.map((issue) => shapes.issue(ctx.repo, issue)),
        headers,
      );
    },

    'POST /repos/{owner}/{repo}/issues': (ctx) => {
      const at = state.timestamp();
      const title = ctx.body.title;
      const labels = ((ctx.body.labels as unknown[] | undefined) ?? []).map((label) =>
        typeof label === 'string' ? label : String((label as JsonObject).name ?? ''),
      );
      const issue: FakeIssue = {
        number: ctx.repo.nextIssueNumber(),
        title: String(title),
        body: typeof ctx.body.body === 'string' ? ctx.body.body : '',
        state: 'open',
        stateReason: null,
        labels: [...new Set(labels.filter(Boolean))],
        user: ctx.actor,
        createdAt: at,
        updatedAt: at,
        closedAt: null,
      };
      checkCommentBody(issue.body);
      ctx.repo.issueRecords.set(issue.number, issue);
      return created(shapes.issue(ctx.repo, issue));
    },

    'PATCH /repos/{owner}/{repo}/issues/{issue_number}': (ctx) => {
      const issue = ctx.repo.issueRecords.get(Number(ctx.params.issue_number));
      if (!issue) throw notFound();
      if (typeof ctx.body.title === 'string') issue.title = ctx.body.title;
      if (typeof ctx.body.body === 'string') {
        checkCommentBody(ctx.body.body);
        issue.body = ctx.body.body;
      }
      if (Array.isArray(ctx.body.labels)) {
        issue.labels = ctx.body.labels.map((label) =>
          typeof label === 'string' ? label : String((label as JsonObject).name ?? ''),
        );
      }
      const next = ctx.body.state as 'open' | 'closed' | undefined;
      if (next && next !== issue.state) {
        issue.state = next;
        // As on GitHub, the reason is only taken with a change of state.
        issue.stateReason =
          next === 'closed'
            ? ((ctx.body.state_reason as FakeIssue['stateReason']) ?? 'completed')
            : 'reopened';
        issue.closedAt = next === 'closed' ? state.timestamp() : null;
      }
      issue.updatedAt = state.timestamp();
      return ok(shapes.issue(ctx.repo, issue));
    },

    'GET /repos/{owner}/{repo}/pulls': (ctx) => {
      const wanted = (ctx.query.state as string | undefined) ?? 'open';
      const head = typeof ctx.query.head === 'string' ? ctx.query.head : undefined;
      const base = typeof ctx.query.base === 'string' ? ctx.query.base : undefined;
      const pulls = [...ctx.repo.pulls.values()]
        .filter((pull) => wanted === 'all' || pull.state === wanted)
        .filter((pull) => head === undefined || `${ctx.repo.owner}:${pull.head.ref}` === head)
        .filter((pull) => base === undefined || pull.base.ref === base)
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paginate(ctx, pulls);
      return ok(
        page.map((pull) => shapes.pullSimple(ctx.repo, pull)),
        headers,
      );
    },

    'POST /repos/{owner}/{repo}/pulls': (ctx) => {
      const git = ctx.repo.git;
      const headName = String(ctx.body.head).replace(/^[^:]+:/, '');
      const baseName = String(ctx.body.base);
      const headSha = git.refs.get(`refs/heads/${headName}`);
      const baseSha = git.refs.get(`refs/heads/${baseName}`);
      const invalid = (field: string, message?: string): HttpError =>
        validationFailed([
          {
            resource: 'PullRequest',
            code: message ? 'custom' : 'invalid',
            field,
            ...(message && { message }),
          },
        ]);
      if (!baseSha) throw invalid('base');
      if (!headSha) throw invalid('head');
      if (headSha === baseSha) throw invalid('head', `No commits between ${baseName} and ${headName}`);
      const open = [...ctx.repo.pulls.values()].find(
        (pull) => pull.state === 'open' && pull.head.ref === headName && pull.base.ref === baseName,
      );
      if (open) throw invalid('head', `A pull request already exists for ${ctx.repo.owner}:${headName}.`);
      const before = git.flatten(git.commits.get(baseSha)!.tree);
      const after = git.flatten(git.commits.get(headSha)!.tree);
      const lines = (sha: string | undefined): number =>
        sha ? (git.blobs.get(sha)?.toString('utf8').split('\n').length ?? 0) : 0;
      const files: FakePullFile[] = [];
      for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const a = before.get(path)?.sha;
        const b = after.get(path)?.sha;
        if (a === b) continue;
        files.push({
          filename: path,
          status: !a ? 'added' : !b ? 'removed' : 'modified',
          additions: lines(b),
          deletions: lines(a),
        });
      }
      const pull = state.addPullRequest(ctx.repo, {
        number: ctx.repo.nextIssueNumber(),
        title: String(ctx.body.title ?? ''),
        headRef: headName,
        headSha,
        baseRef: baseName,
        baseSha,
        files,
      });
      pull.user = ctx.actor;
      if (typeof ctx.body.body === 'string') pull.body = ctx.body.body;
      return created(shapes.pull(ctx.repo, pull));
    },

    // ---- Git Data ----

    'GET /repos/{owner}/{repo}/git/ref/{ref}': (ctx) => {
      const name = gitRefName(ctx);
      const sha = ctx.repo.git.refs.get(name);
      if (!sha) throw notFound();
      return ok(shapes.gitRef(ctx.repo, name, sha));
    },

    'POST /repos/{owner}/{repo}/git/refs': (ctx) => {
      const ref = ctx.body.ref as string;
      const sha = ctx.body.sha as string;
      if (!/^refs\/[^/]+\/.+/.test(ref)) {
        throw new HttpError(422, "Reference name must start with 'refs/' and have at least two slashes.");
      }
      if (!ctx.repo.git.commits.has(sha)) throw new HttpError(422, 'Object does not exist');
      if (ctx.repo.git.refs.has(ref)) throw new HttpError(422, 'Reference already exists');
      ctx.repo.git.refs.set(ref, sha);
      return created(shapes.gitRef(ctx.repo, ref, sha));
    },

    'PATCH /repos/{owner}/{repo}/git/refs/{ref}': (ctx) => {
      const name = gitRefName(ctx);
      const current = ctx.repo.git.refs.get(name);
      if (!current) throw new HttpError(422, 'Reference does not exist');
      const sha = ctx.body.sha as string;
      if (!ctx.repo.git.commits.has(sha)) throw new HttpError(422, 'Object does not exist');
      // Compare-and-swap: without force, the new commit must descend from the current tip.
      if (ctx.body.force !== true && !ctx.repo.git.isAncestor(current, sha)) {
        throw new HttpError(422, 'Update is not a fast forward');
      }
      ctx.repo.git.refs.set(name, sha);
      return ok(shapes.gitRef(ctx.repo, name, sha));
    },

    'GET /repos/{owner}/{repo}/git/commits/{commit_sha}': (ctx) => {
      const commit = ctx.repo.git.commits.get(ctx.params.commit_sha!);
      if (!commit) throw notFound();
      return ok(shapes.gitCommit(ctx.repo, commit));
    },

    'POST /repos/{owner}/{repo}/git/commits': (ctx) => {
      const git = ctx.repo.git;
      const tree = ctx.body.tree as string;
      const parents = (ctx.body.parents as string[] | undefined) ?? [];
      if (!git.trees.has(tree)) throw new HttpError(422, 'Tree SHA does not exist');
      for (const parent of parents) {
        if (!git.commits.has(parent))
          throw new HttpError(422, 'Parent SHA does not exist or is not a commit object');
      }
      const person = (value: unknown): { name: string; email: string; date?: string } | undefined =>
        isObject(value) && typeof value.name === 'string' && typeof value.email === 'string'
          ? {
              name: value.name,
              email: value.email,
              ...(typeof value.date === 'string' ? { date: value.date } : {}),
            }
          : undefined;
      const author = person(ctx.body.author);
      const committer = person(ctx.body.committer);
      const sha = git.writeCommit({
        tree,
        parents,
        message: ctx.body.message as string,
        ...(author ? { author } : {}),
        ...(committer ? { committer } : {}),
      });
      return created(shapes.gitCommit(ctx.repo, git.commits.get(sha)!));
    },

    'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': (ctx) => {
      const git = ctx.repo.git;
      const requested = ctx.params.tree_sha!;
      const commit = git.resolveCommit(requested);
      const sha = git.trees.has(requested) ? requested : commit ? git.commits.get(commit)?.tree : undefined;
      if (!sha) throw notFound();
      const recursive =
        ctx.query.recursive !== undefined && ctx.query.recursive !== '' && ctx.query.recursive !== 'false';
      const list = (treeSha: string, prefix: string): FakeTreeEntry[] =>
        git.trees.get(treeSha)!.flatMap((entry) => {
          const path = prefix ? `${prefix}/${entry.path}` : entry.path;
          const here = { ...entry, path };
          return recursive && entry.type === 'tree' ? [here, ...list(entry.sha, path)] : [here];
        });
      return ok(shapes.gitTree(ctx.repo, sha, list(sha, '')));
    },

    'POST /repos/{owner}/{repo}/git/trees': (ctx) => {
      const git = ctx.repo.git;
      const baseTree = ctx.body.base_tree as string | undefined;
      if (baseTree !== undefined && !git.trees.has(baseTree)) throw new HttpError(422, 'Invalid tree info');
      const flat = baseTree ? git.flatten(baseTree) : new Map<string, FakeTreeEntry>();
      for (const raw of ctx.body.tree as JsonObject[]) {
        const path = raw.path as string | undefined;
        const mode = raw.mode as FakeTreeEntry['mode'] | undefined;
        const type = raw.type as FakeTreeEntry['type'] | undefined;
        if (!path || !mode || !type || path.startsWith('/') || path.endsWith('/')) {
          throw new HttpError(422, 'Invalid tree info');
        }
        if (raw.sha === null) {
          for (const key of [...flat.keys()])
            if (key === path || key.startsWith(`${path}/`)) flat.delete(key);
          continue;
        }
        let sha: string;
        if (typeof raw.content === 'string') {
          if (type !== 'blob') throw new HttpError(422, 'Invalid tree info');
          sha = git.writeBlob(raw.content);
        } else if (typeof raw.sha === 'string' && SHA.test(raw.sha)) {
          sha = raw.sha;
        } else {
          throw new HttpError(422, 'Invalid tree info');
        }
        for (const key of [...flat.keys()]) if (key === path || key.startsWith(`${path}/`)) flat.delete(key);
        if (type === 'tree') {
          if (!git.trees.has(sha)) throw new HttpError(422, 'Invalid tree info');
          for (const [sub, entry] of git.flatten(sha)) flat.set(`${path}/${sub}`, entry);
        } else {
          if (type === 'blob' && !git.blobs.has(sha)) throw new HttpError(422, 'Invalid tree info');
          flat.set(path, { path, mode, type, sha });
        }
      }
      const sha = git.writeTree(flat);
      return created(shapes.gitTree(ctx.repo, sha, git.trees.get(sha)!));
    },

    'GET /repos/{owner}/{repo}/git/blobs/{file_sha}': (ctx) => {
      const sha = ctx.params.file_sha!;
      const content = ctx.repo.git.blobs.get(sha);
      if (!content) throw notFound();
      // GitHub wraps base64 at 60 characters.
      const encoded = (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n');
      return ok(
        shapes.fill(
          { $ref: '#/components/schemas/blob' },
          {
            sha,
            node_id: `B_${sha}`,
            size: content.length,
            url: shapes.apiUrl(`/repos/${ctx.repo.fullName}/git/blobs/${sha}`),
            content: encoded ? `${encoded}\n` : '',
            encoding: 'base64',
          },
          0,
        ),
      );
    },

    'POST /repos/{owner}/{repo}/git/blobs': (ctx) => {
      const encoding = (ctx.body.encoding as string | undefined) ?? 'utf-8';
      const content = ctx.body.content as string;
      if (encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'base64') {
        throw validationFailed([
          { resource: 'Blob', code: 'custom', field: 'encoding', message: 'encoding is invalid' },
        ]);
      }
      const bytes = encoding === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8');
      const sha = ctx.repo.git.writeBlob(bytes);
      return created({ sha, url: shapes.apiUrl(`/repos/${ctx.repo.fullName}/git/blobs/${sha}`) });
    },
  };
}
