import { realpathSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { GitChangeSource } from '../changes/git.js';
import { ChangeSourceError, type ChangedFile, type ChangeSource, type Revisions } from '../changes/types.js';
import { computeVersions, type Versions } from './classify.js';
import { affectedSuites, type ChangedContent } from './dependencies.js';
import { loadModel, type ProjectModel } from './model.js';
import { ABSENT, canonicalFile, isBinary } from './normalize.js';
import { identicalRequests } from './render.js';
import { requestEffects } from './requests.js';
import { GitSnapshot, ParseCache, toProjectPath, type Snapshot } from './snapshot.js';
import { PLAN_SCHEMA_VERSION, type Change, type FileChange, type Plan, type PlannedSuite } from './types.js';

export interface CreatePlanOptions {
  /** evalgate.yml, repository-relative. */
  config: string;
}

/**
 * Plans from any ChangeSource: loads the project at the merge base and at head, versions
 * every component on both sides, and picks the suites the differences reach.
 */
export async function createPlan(source: ChangeSource, options: CreatePlanOptions): Promise<Plan> {
  const revisions = await source.revisions();
  const config = posix.normalize(options.config);
  const root = posix.dirname(config);
  const prefix = root === '.' ? '' : root;
  const configFile = posix.basename(config);

  const [headSnap, baseSnap, changedRepo] = await Promise.all([
    GitSnapshot.open(`head (${revisions.head.ref})`, source, revisions.head.sha, prefix),
    GitSnapshot.open(`base (${revisions.base.ref})`, source, revisions.mergeBase, prefix),
    source.changedFiles(),
  ]);
  // Head first, then base: most of base is head's content again, parsed once via the cache.
  const cache = new ParseCache();
  const head = await loadModel(headSnap, configFile, true, cache);
  const headVersions = await computeVersions(head, headSnap, cache, true);
  const base = await loadModel(baseSnap, configFile, false, cache);
  const baseVersions = await computeVersions(base, baseSnap, cache, false);

  const changed = changedRepo.map((file) => ({
    ...file,
    path: toProjectPath(prefix, file.path),
    ...(file.previousPath !== undefined && { previousPath: toProjectPath(prefix, file.previousPath) }),
  }));
  const contents = await readChanged(changed, headSnap, baseSnap, head, base, cache);

  return assemblePlan({
    revisions,
    config,
    root,
    dir: join(source.root, prefix),
    displayRoot: source.root,
    head,
    base,
    headVersions,
    baseVersions,
    changed,
    contents,
    notes: source.notes ?? [],
  });
}

export interface PlanFromGitOptions {
  /** Where to run git: any directory in the repository. */
  cwd: string;
  base: string;
  /** Default `HEAD`. */
  head?: string;
  /** evalgate.yml, relative to `cwd` or absolute. Default `evalgate.yml`. */
  config?: string;
  /** Fetch a missing base, or the history a shallow clone lacks, from the remote. Default true. */
  fetch?: boolean;
  remote?: string;
  /** Environment for git; inherited when left out. */
  env?: Record<string, string | undefined>;
  /** Lists changes some other way (the GitHub API), with git for contents. */
  source?: (git: GitChangeSource) => ChangeSource;
  /** With no `head`: plan the working tree, uncommitted changes included (GitChangeSourceOptions). */
  workingTree?: boolean;
}

/** The plan for `base...head` in a local clone: what `evalgate plan` and `evalgate run --base` call. */
export async function planFromGit(options: PlanFromGitOptions): Promise<Plan> {
  const git = new GitChangeSource({
    cwd: options.cwd,
    base: options.base,
    ...(options.head !== undefined && { head: options.head }),
    ...(options.fetch !== undefined && { fetch: options.fetch }),
    ...(options.remote !== undefined && { remote: options.remote }),
    ...(options.env !== undefined && { env: options.env }),
    ...(options.workingTree && { workingTree: true }),
  });
  const top = realpathSync(await git.open());
  const configPath = resolve(realpathSync(options.cwd), options.config ?? 'evalgate.yml');
  const config = relative(top, configPath).split(sep).join('/');
  if (config.startsWith('../') || config === '..') {
    throw new ChangeSourceError(`config file ${configPath} is outside the git repository at ${top}`);
  }
  return createPlan(options.source ? options.source(git) : git, { config });
}

async function readChanged(
  changed: ChangedFile[],
  headSnap: Snapshot,
  baseSnap: Snapshot,
  head: ProjectModel,
  base: ProjectModel,
  cache: ParseCache,
): Promise<Map<string, ChangedContent>> {
  const headPaths = changed.filter((f) => f.status !== 'deleted').map((f) => f.path);
  const basePaths = changed.filter((f) => f.status !== 'added').map((f) => f.previousPath ?? f.path);
  const fill = async (model: ProjectModel, snap: Snapshot, paths: string[]) => {
    const wanted = paths.filter((p) => !model.blobs.has(p));
    if (wanted.length) for (const [path, blob] of await snap.read(wanted)) model.blobs.set(path, blob);
  };
  await Promise.all([fill(head, headSnap, headPaths), fill(base, baseSnap, basePaths)]);
  const out = new Map<string, ChangedContent>();
  for (const file of changed) {
    const before = file.status === 'added' ? undefined : base.blobs.get(file.previousPath ?? file.path);
    const after = file.status === 'deleted' ? undefined : head.blobs.get(file.path);
    const seen = after ?? before;
    out.set(file.path, {
      head: after ? canonicalFile(cache.parse(file.path, after)) : ABSENT,
      base: before ? canonicalFile(cache.parse(file.previousPath ?? file.path, before)) : ABSENT,
      existsHead: after !== undefined,
      existsBase: before !== undefined,
      binary: seen?.data ? isBinary(seen.data) : file.binary,
    });
  }
  return out;
}

export interface PlanInput {
  revisions: Revisions;
  config: string;
  root: string;
  /** The project directory on disk (absolute), and what messages' paths are relative to. */
  dir: string;
  displayRoot: string;
  head: ProjectModel;
  base: ProjectModel;
  headVersions: Versions;
  baseVersions: Versions;
  /** Project-relative. */
  changed: ChangedFile[];
  contents: Map<string, ChangedContent>;
  notes: readonly string[];
}

/** The selection rules, as a pure function of both sides' models and versions. */
export function assemblePlan(input: PlanInput): Plan {
  const { head, base, headVersions: hv, baseVersions: bv, changed, contents } = input;
  const sortedChanged = [...changed].sort((a, b) => compare(a.path, b.path));

  // ---------------------------------------------------------------- what changed
  const names = [...new Set([...hv.components.keys(), ...bv.components.keys()])].sort(compare);
  const changes = new Map<string, Change>();
  for (const name of names) {
    const before = bv.components.get(name);
    const after = hv.components.get(name);
    const old = before?.version ?? null;
    const now = after?.version ?? null;
    if (old === now) continue;
    changes.set(name, {
      component: name,
      kind: (after ?? before)!.kind,
      status: old === null ? 'added' : now === null ? 'removed' : 'modified',
      old,
      new: now,
      files: [],
    });
  }

  const files: FileChange[] = sortedChanged.map((file) => {
    const previous = file.previousPath ?? file.path;
    const atHead = file.status === 'deleted' ? undefined : hv.contributions.get(file.path);
    const atBase = file.status === 'added' ? undefined : bv.contributions.get(previous);
    const touched: string[] = [];
    for (const [name, change] of changes) {
      if (atHead?.get(name) !== atBase?.get(name)) {
        touched.push(name);
        change.files.push(file.path);
      }
    }
    const content = contents.get(file.path)!;
    const remainder = (versions: Versions, path: string, exists: boolean, canon: string) =>
      !exists ? null : versions.unclaimed.has(path) ? versions.unclaimed.get(path)! : canon;
    const afterRest = remainder(hv, file.path, content.existsHead, content.head);
    const beforeRest = remainder(bv, previous, content.existsBase, content.base);
    return {
      path: file.path,
      status: file.status,
      ...(file.previousPath !== undefined && { previousPath: file.previousPath }),
      binary: content.binary,
      components: touched,
      unclassified: (afterRest !== null || beforeRest !== null) && afterRest !== beforeRest,
    };
  });

  // ---------------------------------------------------------------- what it does to requests
  const rendered = requestEffects(
    { model: head, dir: input.dir },
    { model: base, dir: input.dir },
    changes.values(),
    input.displayRoot,
  );
  const effective = new Map<string, Change>();
  for (const [name, change] of changes) {
    const requests = rendered.effects.get(name);
    if (requests) {
      change.effect = requests.changed === 0 ? 'none' : 'changed';
      change.requests = requests;
    }
    if (change.effect !== 'none') effective.set(name, change);
  }

  // ---------------------------------------------------------------- who it reaches
  const { suites, unaffected } = affectedSuites(head, base, effective, sortedChanged, contents);

  const headIds = new Set(head.suites.map((s) => s.id));
  const removed = base.suites
    .filter((s) => !headIds.has(s.id))
    .map((s) => ({ id: s.id, file: s.file }))
    .sort((a, b) => compare(a.id, b.id));

  const components: Plan['components'] = {};
  for (const [name, info] of head.components) {
    const version = hv.components.get(name)?.version;
    if (version) components[name] = { kind: info.kind, version };
  }
  const targets: Plan['targets'] = {};
  for (const [name, target] of [...hv.targets].sort((a, b) => compare(a[0], b[0]))) targets[name] = target;

  const changeList = [...changes.values()].map((c) => ({ ...c, files: [...new Set(c.files)].sort(compare) }));
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    base: input.revisions.base,
    head: input.revisions.head,
    mergeBase: input.revisions.mergeBase,
    config: input.config,
    root: input.root,
    summary: summarize(files, changeList, suites, head.suites.length, removed.length),
    changes: changeList,
    files,
    suites,
    unaffected,
    removed,
    components: sortKeys(components),
    targets,
    warnings: [...input.notes, ...head.warnings, ...hv.warnings, ...rendered.warnings],
  };
}

function summarize(
  files: FileChange[],
  changes: Change[],
  suites: PlannedSuite[],
  total: number,
  removed: number,
): string {
  const affected = suites.filter((s) => s.reasons.some((r) => r.type !== 'always')).length;
  const always = suites.length - affected;
  const inert = changes.filter((c) => c.effect === 'none');
  const live = changes.filter((c) => c.effect !== 'none');
  const noEffect = inert.length
    ? `${count(inert.length, 'change')} with no effective change (${inert
        .map((c) => `${c.component}: ${identicalRequests(c.requests!.total)}`)
        .join('; ')})`
    : '';
  let text: string;
  if (files.length === 0) text = 'nothing affected: base and head have the same files';
  else if (affected === 0 && changes.length) {
    const names = live.map((c) => c.component).join(', ');
    const parts = [
      noEffect,
      live.length &&
        `${count(live.length, 'change')} (${names}) reach${live.length === 1 ? 'es' : ''} no suite`,
    ].filter(Boolean);
    text = `nothing affected: ${parts.join('; ')}`;
  } else if (affected === 0) {
    const inert = files.filter((f) => f.components.length === 0 && !f.unclassified).length;
    const outside = files.filter((f) => f.unclassified).length;
    const parts = [
      inert && `${inert} with no semantic change (whitespace, comments or key order)`,
      outside && `${outside} with changes no component, suite or config claims`,
    ].filter(Boolean);
    text = `nothing affected: ${count(files.length, 'changed file')}, ${parts.join(', ')}`;
  } else {
    const cause = live.length ? `by ${count(live.length, 'change')}` : 'through files they depend on';
    text = `${affected} of ${count(total, 'suite')} affected ${cause}`;
    if (noEffect) text += `; ${noEffect}`;
  }
  if (always) text += `; ${count(always, 'suite')} run${always === 1 ? 's' : ''} anyway (always: true)`;
  if (removed) text += `; ${count(removed, 'suite')} removed at head`;
  return text;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort((a, b) => compare(a[0], b[0])));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
