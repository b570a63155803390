import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { compileGrader, type CompileContext } from '../graders/index.js';
import { datasetSource } from '../importers/index.js';
import { GRADER_TYPES, type GraderSpec } from '../graders/spec.js';
import type { GradedCase, Grader } from '../graders/types.js';
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
import { jsonSyntaxError, locateInJsonLine } from './jsonl.js';
import { parseYamlFast, type PositionedDocument } from './yaml.js';

/** A case ready to run: defaults applied, id settled, graders compiled; what graders read of it is `GradedCase`. */
export interface LoadedCase extends GradedCase {
  graders: Grader[];
  location: { file: string; line: number };
  /**
   * Hash of what this case asks and how it is graded: its own definition and the suite's
   * graders (see `caseHash`). Compare pairs a case with its baseline only when it is equal.
   */
  hash?: string;
}

/**
 * A case's content hash: its definition (id, vars, expected, reference, context, blocker,
 * repeat, its own graders, relevant/unanswerable) and the suite-level graders that also
 * apply to it. Not the target, model or suite repeat: those are what a comparison measures,
 * and are reported as changes. 16 hex characters of SHA-256 of
 * `canonicalJson([suiteGraders, caseInput])`, built from the two parts' canonical JSON: a
 * suite's graders are written once for all its cases, and each case's part once for its
 * own hash and the suite's content hash.
 */
function caseHash(gradersJson: string, caseJson: string): string {
  return sha256(`[${gradersJson},${caseJson}]`).slice(0, 16);
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

/** Errors kept for the report; beyond this they are only counted (a 1 GB dataset of bad lines). */
const MAX_KEPT_ERRORS = 10_000;

/**
 * Reads evalgate.yml and every suite it names, validates all of it, and returns one typed
 * project. Every problem in every file is collected in one pass and thrown together as
 * ConfigErrors, each with file, line, column and field, so one run shows the user all of
 * them. To get that far, a field that fails its schema is reported and then set aside, and
 * the rest of the file is still checked (see validateLeniently).
 */
export function loadProject(configPath: string, options: LoadOptions = {}): LoadedProject {
  const { project, error } = inspectProject(configPath, options);
  if (error) throw error;
  return project!;
}

export interface LoadOptions extends Pick<CompileContext, 'env'> {
  /**
   * env and cache for model-backed graders (the judge); leave out to only validate shapes.
   * The cache may be a function of the config, whose `cache:` section says where it lives.
   */
  cache?: CompileContext['cache'] | ((config: ProjectConfig, rootDir: string) => CompileContext['cache']);
}

/**
 * loadProject, returning its errors rather than throwing them, with the part of the project
 * that did load (the config without its broken fields, the suites without errors) so a
 * caller such as `validate` can go on checking that part too: rendering every case's
 * request finds missing template variables in the same pass. The project is undefined only
 * when the config itself could not be read; a file that cannot be read or parsed as YAML
 * still throws.
 */
export function inspectProject(
  configPath: string,
  options: LoadOptions = {},
): { project?: LoadedProject; error?: ConfigError | ConfigErrors } {
  const absConfig = resolve(configPath);
  const rootDir = dirname(absConfig);
  const doc = readDocument(absConfig, 'config file');
  const errors = new Collector();
  const config = validateLeniently(doc, ProjectConfigSchema, errors, (path) =>
    // A broken target is set aside alone; suites naming it are not then 'unknown target'.
    path[0] === 'targets' && path.length > 1 ? path.slice(0, 2) : path.slice(0, 1),
  );
  if (!config) return { error: errors.error() };
  const cache = typeof options.cache === 'function' ? options.cache(config!, rootDir) : options.cache;
  const warnings: string[] = [];

  const rawTargets = (doc.value as { targets?: unknown } | null)?.targets;
  const targetNames = Object.keys(
    rawTargets && typeof rawTargets === 'object' ? rawTargets : config!.targets,
  );
  /** `target` is set for a built-in pack named as `evalgate:NAME@TARGET`. */
  const files: { file: string; target?: string }[] = [];
  config!.suites.forEach((pattern, i) => {
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
      // A glob that selects nothing is a mistake (a typo, the wrong directory), never a pass.
      errors.add(
        doc.error(
          ['suites', i],
          isGlob(pattern)
            ? `'${pattern}' matches no file (suite paths are relative to the config file)`
            : `suite file not found: ${pattern}`,
        ),
      );
    }
    for (const f of matched)
      if (!files.some((x) => x.file === f && x.target === undefined)) files.push({ file: f });
  });

  const suites: LoadedSuite[] = [];
  /** Where each suite's `id` is, for a duplicate's error. */
  // Where each suite id was first declared, located only when a clash needs it: locating
  // runs the positioned YAML parser, which the happy path never needs.
  const idAt = new Map<string, () => string>();
  const graderCache = new Map<string, Grader>();
  const judge = config!.judge;
  for (const { file, target } of files) {
    try {
      const loaded = loadSuite(file, rootDir, targetNames, graderCache, errors, target, {
        // The calibration report is named relative to evalgate.yml; graders compile elsewhere.
        judge: judge.calibration ? { ...judge, calibration: resolve(rootDir, judge.calibration) } : judge,
        ...(options.env && { env: options.env }),
        ...(cache && { cache }),
      });
      if (!loaded) continue;
      let { suite } = loaded;
      // One pack run against two targets is two suites.
      if (target !== undefined) {
        const id = `${suite.id}@${target}`;
        suite = { ...suite, id, cases: suite.cases.map((c) => ({ ...c, suite: id })) };
      }
      const clash = idAt.get(suite.id);
      if (clash) {
        const { line, column } = loaded.doc.locate(['id']);
        errors.add(
          new ConfigError(`duplicate suite id '${suite.id}' (first at ${clash()})`, {
            file,
            line,
            column,
            field: 'id',
          }),
        );
        continue;
      }
      const { doc: suiteDoc } = loaded;
      idAt.set(suite.id, () => {
        const { line, column } = suiteDoc.locate(['id']);
        return `${relative(rootDir, file)}:${line}:${column}`;
      });
      // A suite with errors is kept too: its good cases are still checked by callers of
      // inspectProject; loadProject throws before anyone could run it.
      suites.push(suite);
    } catch (e) {
      if (e instanceof ConfigError) errors.add(e);
      else if (e instanceof ConfigErrors) e.errors.forEach((x) => errors.add(x));
      else throw e;
    }
  }
  const project: LoadedProject = {
    configPath: absConfig,
    rootDir,
    configHash: sha256(canonicalJson(doc.value)).slice(0, 16),
    config: config!,
    document: doc,
    suites,
    warnings,
  };
  const error = errors.error();
  return error ? { project, error } : { project };
}

function loadSuite(
  file: string,
  /** Where "first at" positions in messages are relative to. */
  rootDir: string,
  targetNames: string[],
  graderCache: Map<string, Grader>,
  errors: Collector,
  targetOverride?: string,
  graderContext: Omit<CompileContext, 'baseDir'> = {},
): { suite: LoadedSuite; doc: PositionedDocument; broken: boolean } | undefined {
  const doc = readDocument(file, 'suite file');
  const before = errors.count;
  // A suite-level grader that fails is set aside alone, so every case is still checked.
  const spec = validateLeniently(doc, SuiteSchema, errors, (path) =>
    path[0] === 'graders' && typeof path[1] === 'number' ? path.slice(0, 2) : path.slice(0, 1),
  );
  if (!spec) return undefined;
  const rawGraders = (doc.value as { graders?: unknown }).graders;
  const gradersSetAside = Array.isArray(rawGraders) && rawGraders.length > spec.graders.length;

  let target = targetOverride ?? spec.target;
  if (!target) {
    if (targetNames.length !== 1) {
      errors.add(
        doc.error([], `'target' is required: the config has several targets (${targetNames.join(', ')})`),
      );
    }
    target = targetNames[0] ?? '';
  } else if (!targetNames.includes(target)) {
    errors.add(
      doc.error(['target'], `unknown target '${target}'; expected one of: ${targetNames.join(', ')}`),
    );
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
  // Where each id was first seen; its `file:line` is only worked out for a duplicate's error.
  const seen = new Map<string, CaseWhere>();
  const gradersJson = canonicalJson(spec.graders);
  const caseJsons: string[] = [];

  const addCase = (raw: unknown, where: CaseWhere) => {
    const parsed = CaseSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        errors.add(where.error(issue.path as (string | number)[], describeIssue(issue, raw)));
      // Its id still counts: a duplicate is reported now, not after this case is fixed.
      const rawId = (raw as { id?: unknown } | null)?.id;
      if (typeof rawId === 'string') {
        const previous = seen.get(rawId);
        if (previous)
          errors.add(
            where.error(
              ['id'],
              `duplicate case id '${rawId}' in suite '${spec.id}' (first at ${previous.at()})`,
            ),
          );
        else seen.set(rawId, where);
      }
      return;
    }
    const c = parsed.data;
    const vars = caseVars(spec.vars, c);
    const id = c.id ?? `c-${shortHash({ vars, expected: c.expected, reference: c.reference }, 10)}`;
    const loc = where.location();
    const previous = seen.get(id);
    if (previous) {
      errors.add(
        where.error(['id'], `duplicate case id '${id}' in suite '${spec.id}' (first at ${previous.at()})`),
      );
      return;
    }
    seen.set(id, where);
    const graders = [...suiteGraders];
    let broken = suiteGraders.length < spec.graders.length || gradersSetAside;
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
    const caseInput = [
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
    ];
    const caseJson = canonicalJson(caseInput);
    caseJsons.push(caseJson);
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
      hash: caseHash(gradersJson, caseJson),
    });
  };

  spec.cases.forEach((raw, i) => {
    addCase(raw, {
      location: () => ({ file, line: doc.locate(['cases', i]).line }),
      at: () => {
        const { line, column } = doc.locate(['cases', i]);
        return `${relative(rootDir, file)}:${line}:${column}`;
      },
      error: (path, message) => doc.error(['cases', i, ...path], message),
    });
  });

  const refs = spec.dataset === undefined ? [] : [spec.dataset].flat();
  const sources = refs.map(datasetSource);
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
    const source = sources[di]!;
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo++;
      if (!line.trim()) continue;
      const at = lineNo;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        // Our own position and wording: V8's say where only sometimes, and vary by Node version.
        const syntax = jsonSyntaxError(line);
        errors.add(
          new ConfigError(
            syntax ? `invalid JSON: expected ${syntax.expected}` : `invalid JSON: ${(e as Error).message}`,
            { file: dataset, line: at, ...(syntax && { column: syntax.column }) },
          ),
        );
        continue;
      }
      try {
        raw = source.convert(raw);
      } catch (e) {
        errors.add(new ConfigError((e as Error).message, { file: dataset, line: at, column: 1 }));
        continue;
      }
      // An imported format's fields are not ours: only a native line can point at a field.
      const ref = refs[di]!;
      const native = typeof ref === 'string' || ref.format === 'evalgate';
      addCase(raw, {
        location: () => ({ file: dataset, line: at }),
        at: () => `${relative(rootDir, dataset)}:${at}`,
        error: (path, message) =>
          new ConfigError(message, {
            file: dataset,
            line: at,
            column: native ? locateInJsonLine(line, path) : 1,
            field: formatField(path) || undefined,
          }),
      });
    }
  });

  const broken = errors.count > before;
  if (cases.length === 0 && !broken) {
    errors.add(doc.error([], `suite '${spec.id}' has no cases: add 'cases' or a 'dataset'`));
    return undefined;
  }

  const suite: LoadedSuite = {
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
    // shortHash([spec.id, spec.tier, spec.kind, target, spec.repeat, spec.graders, caseInputs], 16),
    // from the parts already written.
    contentHash: sha256(
      `[${[spec.id, spec.tier, spec.kind, target, spec.repeat].map((v) => canonicalJson(v) ?? 'null').join(',')},${gradersJson},[${caseJsons.join(',')}]]`,
    ).slice(0, 16),
    cases,
  };
  return { suite, doc, broken };
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
  /** `file:line[:column]` of the case, for "first at" in a duplicate's error. */
  at(): string;
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
  const errors = parsed.error.issues.map((issue) =>
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

/**
 * validate(), but instead of throwing: every issue is recorded in `errors`, then the fields
 * that failed (as `setAside` widens each issue's path: a whole top-level field, or one entry
 * of a list or map) are removed and the rest parsed again, so the caller can go on checking
 * everything else in the file. Undefined when even that fails (a required field was bad).
 */
function validateLeniently<S extends z.ZodType>(
  doc: PositionedDocument,
  schema: S,
  errors: Collector,
  setAside: (path: (string | number)[]) => (string | number)[],
): z.output<S> | undefined {
  const value = doc.value ?? {};
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const pruned = structuredClone(value) as Record<string, unknown>;
  const REMOVED = Symbol('removed');
  for (const issue of parsed.error.issues) {
    const path = issue.path as (string | number)[];
    errors.add(doc.error(path, describeIssue(issue, value)));
    const drop = setAside(path);
    if (drop.length === 0) return undefined;
    const parent = valueAt(pruned, drop.slice(0, -1)) as Record<string | number, unknown> | undefined;
    if (parent && typeof parent === 'object') parent[drop.at(-1)!] = REMOVED;
  }
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.filter((x) => x !== REMOVED).map(strip);
    if (node && typeof node === 'object')
      return Object.fromEntries(
        Object.entries(node)
          .filter(([, v]) => v !== REMOVED)
          .map(([k, v]) => [k, strip(v)]),
      );
    return node;
  };
  const again = schema.safeParse(strip(pruned));
  return again.success ? again.data : undefined;
}

class Collector {
  private errors: ConfigError[] = [];
  private total = 0;
  add(e: ConfigError) {
    this.total++;
    if (this.errors.length < MAX_KEPT_ERRORS) this.errors.push(e);
  }
  get count() {
    return this.total;
  }
  error(): ConfigError | ConfigErrors | undefined {
    if (this.total === 1) return this.errors[0]!;
    if (this.total > 1) return new ConfigErrors(this.errors, this.total);
    return undefined;
  }
}
