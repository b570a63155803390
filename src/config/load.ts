import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { compileGrader, type CompileContext } from '../graders/index.js';
import { datasetSource } from '../importers/index.js';
import { GRADER_TYPES, type GraderSpec } from '../graders/spec.js';
import type { Grader } from '../graders/types.js';
import type { ContextItem } from '../results/types.js';
import { canonicalJson, sha256, shortHash } from '../util/hash.js';
import { expandGlob, isGlob } from '../util/glob.js';
import { ConfigError, ConfigErrors, formatField } from './errors.js';
import { listPacks, packFile, parsePackRef } from './packs.js';
import {
  CaseSchema,
  ProjectConfigSchema,
  SuiteSchema,
  type ProjectConfig,
  type SuiteSpec,
} from './schema.js';
import { parseYamlFast, type PositionedDocument } from './yaml.js';

/** A case ready to run: defaults applied, id settled, graders compiled. */
export interface LoadedCase {
  id: string;
  suite: string;
  description?: string;
  vars: Record<string, unknown>;
  expected?: unknown;
  reference?: string;
  context?: ContextItem[];
  /** Ids of the documents that answer the case, for the retrieval graders. */
  relevant?: string[];
  /** The evidence to answer is missing by design: the right response is to abstain. */
  unanswerable?: boolean;
  tags: Record<string, string | string[]>;
  blocker: boolean;
  repeat: number;
  graders: Grader[];
  location: { file: string; line: number };
}

export interface LoadedSuite {
  id: string;
  description?: string;
  owner?: string;
  tier: SuiteSpec['tier'];
  kind: SuiteSpec['kind'];
  target: string;
  repeat: number;
  always: boolean;
  dependsOn: string[];
  /** Absolute paths of the suite file and its datasets. */
  file: string;
  datasets: string[];
  /** Hash of the normalized suite content: what the cases ask and how they are graded. */
  contentHash: string;
  cases: LoadedCase[];
}

export interface LoadedProject {
  configPath: string;
  rootDir: string;
  /** SHA-256 of the config file's normalized content. */
  configHash: string;
  config: ProjectConfig;
  /** The parsed config, for errors that point into it later (targets). */
  document: PositionedDocument;
  suites: LoadedSuite[];
  warnings: string[];
}

const MAX_ERRORS = 25;

/**
 * Reads evalgate.yml and every suite it names, validates all of it, and returns one typed
 * project. Every problem found is collected (up to a limit) and thrown together as
 * ConfigErrors, each with file, line and field, so one run shows the user all of them.
 */
export function loadProject(
  configPath: string,
  /**
   * env and cache for model-backed graders (the judge); leave out to only validate shapes.
   * The cache may be a function of the config, whose `cache:` section says where it lives.
   */
  options: Pick<CompileContext, 'env'> & {
    cache?: CompileContext['cache'] | ((config: ProjectConfig, rootDir: string) => CompileContext['cache']);
  } = {},
): LoadedProject {
  const absConfig = resolve(configPath);
  const rootDir = dirname(absConfig);
  const doc = readDocument(absConfig, 'config file');
  const config = validate(doc, [], ProjectConfigSchema, doc.value);
  const cache = typeof options.cache === 'function' ? options.cache(config, rootDir) : options.cache;
  const errors = new Collector();
  const warnings: string[] = [];

  const targetNames = Object.keys(config.targets);
  /** `target` is set for a built-in pack named as `evalgate:NAME@TARGET`. */
  const files: { file: string; target?: string }[] = [];
  config.suites.forEach((pattern, i) => {
    const pack = parsePackRef(pattern);
    if (pack) {
      const file = packFile(pack.name);
      if (!file) {
        errors.add(
          doc.error(
            ['suites', i],
            `unknown suite pack '${pattern}'; packs: ${listPacks().join(', ') || 'none found'}`,
          ),
        );
      } else if (pack.target !== undefined && !targetNames.includes(pack.target)) {
        errors.add(
          doc.error(
            ['suites', i],
            `unknown target '${pack.target}'; expected one of: ${targetNames.join(', ')}`,
          ),
        );
      } else if (pack.target === undefined && targetNames.length !== 1) {
        errors.add(
          doc.error(
            ['suites', i],
            `'${pattern}' needs a target: the config has several (${targetNames.join(', ')}); write '${pattern}@NAME'`,
          ),
        );
      } else if (!files.some((f) => f.file === file && f.target === pack.target)) {
        files.push({ file, ...(pack.target !== undefined && { target: pack.target }) });
      }
      return;
    }
    const matched = expandGlob(rootDir, pattern);
    if (matched.length === 0) {
      if (isGlob(pattern))
        warnings.push(`${relative(process.cwd(), absConfig)}: suites[${i}]: '${pattern}' matches no file`);
      else errors.add(doc.error(['suites', i], `suite file not found: ${pattern}`));
    }
    for (const f of matched)
      if (!files.some((x) => x.file === f && x.target === undefined)) files.push({ file: f });
  });

  const suites: LoadedSuite[] = [];
  const graderCache = new Map<string, Grader>();
  for (const { file, target } of files) {
    try {
      let suite = loadSuite(file, targetNames, graderCache, errors, target, {
        // The calibration report is named relative to evalgate.yml; graders compile elsewhere.
        judge: config.judge.calibration
          ? { ...config.judge, calibration: resolve(rootDir, config.judge.calibration) }
          : config.judge,
        ...(options.env && { env: options.env }),
        ...(cache && { cache }),
      });
      if (!suite) continue;
      // One pack run against two targets is two suites.
      if (target !== undefined) {
        const id = `${suite.id}@${target}`;
        suite = { ...suite, id, cases: suite.cases.map((c) => ({ ...c, suite: id })) };
      }
      const clash = suites.find((s) => s.id === suite.id);
      if (clash) {
        errors.add(
          new ConfigError(`duplicate suite id '${suite.id}' (also in ${relative(rootDir, clash.file)})`, {
            file,
            field: 'id',
          }),
        );
        continue;
      }
      suites.push(suite);
    } catch (e) {
      if (e instanceof ConfigError) errors.add(e);
      else if (e instanceof ConfigErrors) e.errors.forEach((x) => errors.add(x));
      else throw e;
    }
    if (errors.full) break;
  }
  errors.throwIfAny();

  return {
    configPath: absConfig,
    rootDir,
    configHash: sha256(canonicalJson(doc.value)).slice(0, 16),
    config,
    document: doc,
    suites,
    warnings,
  };
}

function loadSuite(
  file: string,
  targetNames: string[],
  graderCache: Map<string, Grader>,
  errors: Collector,
  targetOverride?: string,
  graderContext: Omit<CompileContext, 'baseDir'> = {},
): LoadedSuite | undefined {
  const doc = readDocument(file, 'suite file');
  const spec = validate(doc, [], SuiteSchema, doc.value);

  let target = targetOverride ?? spec.target;
  if (!target) {
    if (targetNames.length !== 1) {
      throw doc.error([], `'target' is required: the config has several targets (${targetNames.join(', ')})`);
    }
    target = targetNames[0]!;
  } else if (!targetNames.includes(target)) {
    throw doc.error(['target'], `unknown target '${target}'; expected one of: ${targetNames.join(', ')}`);
  }

  const compile = (spec: GraderSpec, at: () => ConfigError): Grader | undefined => {
    const key = canonicalJson(spec);
    let grader = graderCache.get(key);
    if (!grader) {
      try {
        grader = compileGrader(spec, { ...graderContext, baseDir: dirname(file) });
      } catch (e) {
        const err = at();
        errors.add(new ConfigError(`${(e as Error).message}`, err.location));
        return undefined;
      }
      graderCache.set(key, grader);
    }
    return grader;
  };

  const suiteGraders = spec.graders
    .map((g, j) => compile(g, () => doc.error(['graders', j], '')))
    .filter((g): g is Grader => !!g);

  const cases: LoadedCase[] = [];
  const seen = new Map<string, string>();
  const hashInput: unknown[] = [];

  const addCase = (raw: unknown, where: CaseWhere) => {
    const parsed = CaseSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        errors.add(where.error(issue.path as (string | number)[], describeIssue(issue, raw)));
      return;
    }
    const c = parsed.data;
    const vars = caseVars(spec.vars, c);
    const id = c.id ?? `c-${shortHash({ vars, expected: c.expected, reference: c.reference }, 10)}`;
    const loc = where.location();
    const previous = seen.get(id);
    if (previous) {
      errors.add(
        where.error(['id'], `duplicate case id '${id}' in suite '${spec.id}' (first at ${previous})`),
      );
      return;
    }
    seen.set(id, `${relative(process.cwd(), loc.file)}:${loc.line}`);
    const graders = [...suiteGraders];
    let broken = suiteGraders.length < spec.graders.length;
    (c.graders ?? []).forEach((g, j) => {
      const compiled = compile(g, () => where.error(['graders', j], ''));
      if (compiled) graders.push(compiled);
      else broken = true;
    });
    // A grader that failed to compile was reported already; the case is not "without graders".
    if (broken) return;
    const needy = graders.find((g) => g.requiresExpected);
    if (needy && c.expected === undefined) {
      errors.add(
        where.error(
          [],
          `grader '${needy.name}' compares with the case's 'expected', which is missing: add 'expected' or give the grader a value`,
        ),
      );
      return;
    }
    const wantsRelevant = graders.find((g) => g.requiresRelevant);
    if (wantsRelevant && !c.relevant?.length && !c.unanswerable) {
      errors.add(
        where.error(
          [],
          `grader '${wantsRelevant.name}' scores against the case's 'relevant' document ids, which are missing: add 'relevant', or 'unanswerable: true' when no document answers it`,
        ),
      );
      return;
    }
    if (graders.length === 0) {
      errors.add(
        where.error([], `case '${id}' has no graders: add some to the case or to the suite's 'graders'`),
      );
      return;
    }
    hashInput.push([
      id,
      vars,
      c.expected,
      c.reference,
      c.context,
      c.blocker,
      c.repeat,
      c.graders,
      // Only when present, so suites that do not use them keep their content hash.
      ...(c.relevant !== undefined || c.unanswerable !== undefined ? [c.relevant, c.unanswerable] : []),
    ]);
    cases.push({
      id,
      suite: spec.id,
      ...(c.description !== undefined && { description: c.description }),
      vars,
      ...(c.expected !== undefined && { expected: c.expected }),
      ...(c.reference !== undefined && { reference: c.reference }),
      ...(c.context !== undefined && { context: Array.isArray(c.context) ? c.context : [c.context] }),
      ...(c.relevant !== undefined && { relevant: c.relevant }),
      ...(c.unanswerable !== undefined && { unanswerable: c.unanswerable }),
      tags: c.tags,
      blocker: c.blocker,
      repeat: c.repeat ?? spec.repeat,
      graders,
      location: loc,
    });
  };

  spec.cases.forEach((raw, i) => {
    addCase(raw, {
      location: () => ({ file, line: doc.locate(['cases', i]).line }),
      error: (path, message) => doc.error(['cases', i, ...path], message),
    });
  });

  const sources = (spec.dataset === undefined ? [] : [spec.dataset].flat()).map(datasetSource);
  const datasets = sources.map((d) => resolve(dirname(file), d.file));
  datasets.forEach((dataset, di) => {
    let text: string;
    try {
      text = readFileSync(dataset, 'utf8');
    } catch {
      errors.add(
        doc.error(
          ['dataset', ...(Array.isArray(spec.dataset) ? [di] : [])],
          `dataset file not found: ${relative(dirname(file), dataset)}`,
        ),
      );
      return;
    }
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo++;
      if (errors.full) return;
      if (!line.trim()) continue;
      const at = lineNo;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        errors.add(new ConfigError(`invalid JSON: ${(e as Error).message}`, { file: dataset, line: at }));
        continue;
      }
      try {
        raw = sources[di]!.convert(raw);
      } catch (e) {
        errors.add(new ConfigError((e as Error).message, { file: dataset, line: at }));
        continue;
      }
      addCase(raw, {
        location: () => ({ file: dataset, line: at }),
        error: (path, message) =>
          new ConfigError(message, { file: dataset, line: at, field: formatField(path) || undefined }),
      });
    }
  });

  if (cases.length === 0 && !errors.any) {
    throw doc.error([], `suite '${spec.id}' has no cases: add 'cases' or a 'dataset'`);
  }

  return {
    id: spec.id,
    ...(spec.description !== undefined && { description: spec.description }),
    ...(spec.owner !== undefined && { owner: spec.owner }),
    tier: spec.tier,
    kind: spec.kind,
    target,
    repeat: spec.repeat,
    always: spec.always,
    dependsOn: spec.dependsOn,
    file,
    datasets,
    contentHash: shortHash([spec.id, spec.tier, spec.kind, target, spec.repeat, spec.graders, hashInput], 16),
    cases,
  };
}

/** A case's template variables: the suite's `vars`, under the case's own, under `input`. */
export function caseVars(
  suiteVars: Record<string, unknown>,
  c: { vars: Record<string, unknown>; input?: string | undefined },
): Record<string, unknown> {
  return { ...suiteVars, ...c.vars, ...(c.input !== undefined ? { input: c.input } : {}) };
}

interface CaseWhere {
  location(): { file: string; line: number };
  error(path: (string | number)[], message: string): ConfigError;
}

function readDocument(file: string, what: string): PositionedDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `${what} not found` : `cannot read ${what}: ${code}`, { file });
  }
  return parseYamlFast(text, file);
}

/** Validates `value` (found at `base` in `doc`) against `schema`; every issue becomes a located ConfigError. */
export function validate<S extends z.ZodType>(
  doc: PositionedDocument,
  base: (string | number)[],
  schema: S,
  value: unknown,
): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues
    .slice(0, MAX_ERRORS)
    .map((issue) =>
      doc.error([...base, ...(issue.path as (string | number)[])], describeIssue(issue, value)),
    );
  throw errors.length === 1 ? errors[0]! : new ConfigErrors(errors);
}

/** zod's messages, made to say what was expected in the words of the config file. */
function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'type') {
    const path = issue.path as (string | number)[];
    const node = valueAt(root, path.at(-1) === 'type' ? path.slice(0, -1) : path) as
      { type?: unknown } | undefined;
    const isGrader = issue.path.includes('graders');
    const options = isGrader ? GRADER_TYPES : ['openai', 'http', 'command'];
    const got = node && typeof node === 'object' ? node.type : undefined;
    return `${got === undefined ? 'missing' : `unknown`} ${isGrader ? 'grader' : 'target'} type${got === undefined ? '' : ` '${String(got)}'`}; expected one of: ${options.join(', ')}`;
  }
  if (issue.code === 'invalid_type' && valueAt(root, issue.path as (string | number)[]) === undefined) {
    return `required field missing (expected ${issue.expected})`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let node = root;
  for (const key of path) {
    if (node && typeof node === 'object') node = (node as Record<string | number, unknown>)[key];
    else return undefined;
  }
  return node;
}

class Collector {
  private errors: ConfigError[] = [];
  add(e: ConfigError) {
    if (this.errors.length < MAX_ERRORS) this.errors.push(e);
  }
  get any() {
    return this.errors.length > 0;
  }
  get full() {
    return this.errors.length >= MAX_ERRORS;
  }
  throwIfAny() {
    if (this.errors.length === 1) throw this.errors[0]!;
    if (this.errors.length > 1) throw new ConfigErrors(this.errors);
  }
}
