import { readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { caseVars, validate } from '../config/load.js';
import { packFile } from '../config/packs.js';
import { CaseSchema, SuiteSchema } from '../config/schema.js';
import { parseYamlFast } from '../config/yaml.js';
import { datasetSource } from '../importers/index.js';
import { plainText } from '../report/escape.js';
import { cacheKey } from '../runner/key.js';
import { loadModelConfig } from '../targets/model-config.js';
import { chatRequest, loadPrompt } from '../targets/template.js';
import type { ProjectModel, SuiteInfo } from './model.js';
import { isBinary } from './normalize.js';
import { normalizePattern } from './snapshot.js';
import type { Change } from './types.js';

/** Requests rendered for a change, and how many differ between base and head. */
export interface RequestCount {
  total: number;
  changed: number;
}

/** One revision's project, and where its files would be on disk (for template paths and messages). */
export interface RenderSide {
  model: ProjectModel;
  /** The project directory, absolute. */
  dir: string;
}

/**
 * What each change does to what is sent. A version id moves when a file's meaning may have
 * moved; the response cache moves only when a request's bytes do. Between the two sit edits
 * the template engine erases (blank lines at a message's edges, spacing inside `{{ }}`) and
 * edits that cancel out (a model-file parameter the prompt's front matter overrides). So for
 * a change the requests can show, the plan asks the requests:
 *
 * - Renderable: a modified component whose targets (at base and at head) are all openai
 *   targets, and whose changed files are all prompt, partial or model files of theirs. Any
 *   other change (http and command targets build requests from code we cannot run) is
 *   left alone.
 * - Cases: those of the head suites of the component's targets, as they will run. Holding
 *   the cases at head isolates the component: a suite whose own cases changed is selected
 *   for that anyway.
 * - Each case is rendered with the base files and with the head files by `chatRequest`, the
 *   function the openai target builds its requests with, and each pair compared by response
 *   cache key (SHA-256 of the canonical request; sample 0, since the sample index is the only
 *   other part of the key). Hashes are compared as they come, no request text is kept.
 * - Counts are of requests sent: case × `repeat`. A target's comparison is shared by every
 *   change of it, so two changes of one target report the same counts: the change to the
 *   target's requests, which is what the cache sees.
 *
 * Fail closed: a change with no cases to render, or whose requests fail to render on either
 * side, gets no count and selects suites as before; a render failure is also a warning
 * saying why.
 */
export function requestEffects(
  head: RenderSide,
  base: RenderSide,
  changes: Iterable<Change>,
  displayRoot: string,
): { effects: Map<string, RequestCount>; warnings: string[] } {
  const effects = new Map<string, RequestCount>();
  const warnings: string[] = [];
  const byTarget = new Map<string, RequestCount | Error>();
  const compare = (name: string): RequestCount | Error => {
    let result = byTarget.get(name);
    if (!result) {
      try {
        result = compareTarget(name, head, base);
      } catch (e) {
        if (!(e instanceof ConfigError || e instanceof ConfigErrors)) throw e;
        result = e;
      }
      byTarget.set(name, result);
    }
    return result;
  };

  for (const change of changes) {
    const targets = renderableTargets(change, head.model, base.model);
    if (!targets) continue;
    const count: RequestCount = { total: 0, changed: 0 };
    let failure: Error | undefined;
    for (const name of targets) {
      const result = compare(name);
      if (result instanceof Error) {
        failure = result;
        break;
      }
      count.total += result.total;
      count.changed += result.changed;
    }
    if (failure) {
      warnings.push(
        `${change.component}: its requests could not be rendered to compare base and head, so it counts as a change: ${plainText(describe(failure, displayRoot), { maxLength: 300 })}`,
      );
    } else if (count.total > 0) effects.set(change.component, count);
  }
  return { effects, warnings };
}

/** The targets whose requests show the whole of `change`, sorted; undefined when they cannot. */
function renderableTargets(change: Change, head: ProjectModel, base: ProjectModel): string[] | undefined {
  if (change.status !== 'modified' || change.kind === 'suite' || change.kind === 'config') return undefined;
  const names = new Set<string>();
  for (const model of [head, base])
    for (const target of model.targets.values())
      if (target.components.includes(change.component)) names.add(target.name);
  if (names.size === 0) return undefined;
  const inputs = new Set<string>();
  for (const name of names) {
    for (const model of [head, base]) {
      const target = model.targets.get(name);
      if (target?.spec.type !== 'openai') return undefined;
      for (const file of target.files) inputs.add(file);
    }
  }
  if (change.files.length === 0 || !change.files.every((f) => inputs.has(f))) return undefined;
  return [...names].sort();
}

/** Renders every case of the target's head suites with both sides' files; throws ConfigError. */
function compareTarget(name: string, head: RenderSide, base: RenderSide): RequestCount {
  const atHead = requestKey(name, head);
  const atBase = requestKey(name, base);
  const count: RequestCount = { total: 0, changed: 0 };
  for (const suite of head.model.suites) {
    if (suite.target !== name) continue;
    for (const { vars, repeat } of suiteCases(suite, head)) {
      count.total += repeat;
      if (atHead(vars) !== atBase(vars)) count.changed += repeat;
    }
  }
  return count;
}

/** The response-cache key of a case's request at one revision, as the runner would build it. */
function requestKey(name: string, side: RenderSide): (vars: Record<string, unknown>) => string {
  const target = side.model.targets.get(name)!;
  if (target.spec.type !== 'openai') throw new Error(`target '${name}' is not an openai target`);
  const text = (path: string) => {
    const data = side.model.blobs.get(path)?.data;
    return data && !isBinary(data) ? data.toString('utf8') : undefined;
  };
  const projectPath = (file: string) => relative(side.dir, file).split(sep).join('/');
  const modelFile = normalizePattern(target.spec.model);
  const modelText = text(modelFile);
  if (modelText === undefined) {
    throw new ConfigError(`model file not found`, { file: join(side.dir, modelFile) });
  }
  const modelConfig = loadModelConfig(join(side.dir, modelFile), modelText);
  const prompt = loadPrompt(join(side.dir, normalizePattern(target.spec.prompt)), {
    displayRoot: side.dir,
    read: (file) => text(projectPath(file)),
  });
  const { body } = chatRequest(modelConfig, prompt);
  return (vars) => cacheKey(name, { target: name, kind: 'openai', body: body(vars) }, 0);
}

/**
 * A suite's cases as the runner loads them, reduced to what a request is made of: the
 * variables (`caseVars`, the loader's own rule) and how many samples are sent. Read from the
 * revision's files rather than the disk; throws ConfigError where the loader would.
 */
function suiteCases(suite: SuiteInfo, side: RenderSide): { vars: Record<string, unknown>; repeat: number }[] {
  const pack = suite.file.startsWith('evalgate:')
    ? packFile(suite.file.slice('evalgate:'.length))
    : undefined;
  const file = pack ?? join(side.dir, suite.file);
  // The model validated the suite at head already; packs, which it does not, are read here.
  let spec = suite.spec;
  if (!spec) {
    const data = pack ? readFileSync(pack) : side.model.blobs.get(suite.file)?.data;
    if (!data) throw new ConfigError('suite file not found', { file });
    const doc = parseYamlFast(data.toString('utf8'), file);
    spec = validate(doc, [], SuiteSchema, doc.value);
  }
  const { vars, repeat } = spec;
  const cases: { vars: Record<string, unknown>; repeat: number }[] = [];
  const add = (raw: unknown, where: { file: string; line?: number; field?: string }) => {
    const parsed = CaseSchema.safeParse(raw);
    if (!parsed.success) throw new ConfigError(`invalid case: ${parsed.error.issues[0]!.message}`, where);
    cases.push({ vars: caseVars(vars, parsed.data), repeat: parsed.data.repeat ?? repeat });
  };
  spec.cases.forEach((raw, i) => add(raw, { file, field: `cases[${i}]` }));
  const sources = (spec.dataset === undefined ? [] : [spec.dataset].flat()).map(datasetSource);
  for (const source of sources) {
    const path = posix.normalize(posix.join(posix.dirname(suite.file), source.file));
    const at = join(side.dir, path);
    const text = pack ? undefined : side.model.blobs.get(path)?.data?.toString('utf8');
    if (text === undefined) throw new ConfigError('dataset file not found', { file: at });
    let line = 0;
    for (const row of text.split('\n')) {
      line++;
      if (!row.trim()) continue;
      let raw: unknown;
      try {
        raw = source.convert(JSON.parse(row));
      } catch (e) {
        throw new ConfigError((e as Error).message, { file: at, line });
      }
      add(raw, { file: at, line });
    }
  }
  return cases;
}

function describe(error: Error, root: string): string {
  if (error instanceof ConfigErrors) return describe(error.errors[0]!, root);
  return error instanceof ConfigError ? error.format(root) : error.message;
}
