import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import type { FileBlob } from '../changes/types.js';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { validate } from '../config/load.js';
import { ProjectConfigSchema, SuiteSchema, type SuiteSpec } from '../config/schema.js';
import { parseYamlFast, type PositionedDocument } from '../config/yaml.js';
import { packFile, parsePackRef, type PackRef } from '../config/packs.js';
import { isGlob } from '../util/glob.js';
import { targetComponents } from './dependencies.js';
import { isBinary } from './normalize.js';
import { scanPartials } from './partials.js';
import type { Claim, ProjectModel, SuiteInfo } from './project-model.js';
import { uncoveredCodeTargets } from './schema.js';
import { normalizePattern, type ParseCache, type Snapshot } from './snapshot.js';

/**
 * Front-matter keys of an openai target's prompt file that are model parameters: editing
 * them is a model change, not a prompt change.
 */
export const MODEL_PARAM_KEYS = [
  'model',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'seed',
  'response_format',
  'frequency_penalty',
  'presence_penalty',
  'stop',
  'n',
  'logit_bias',
  'reasoning_effort',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
] as const;

export type { Claim, ComponentInfo, ProjectModel, SuiteInfo, TargetInfo } from './project-model.js';

/**
 * Loads the model at one revision. `strict` (head) throws every ConfigError and collects
 * warnings; lenient (base) makes do with what it can read, since nobody can fix the past.
 */
export async function loadModel(
  snap: Snapshot,
  configFile: string,
  strict: boolean,
  cache: ParseCache,
): Promise<ProjectModel> {
  const model: ProjectModel = {
    configFile,
    components: new Map(),
    claims: new Map(),
    targets: new Map(),
    suites: [],
    blobs: new Map(),
    warnings: [],
  };
  const read = async (paths: Iterable<string>) => {
    const wanted = [...new Set(paths)].filter((p) => !model.blobs.has(p));
    if (wanted.length) for (const [path, blob] of await snap.read(wanted)) model.blobs.set(path, blob);
  };
  const textOf = (path: string): string | undefined => {
    const data = model.blobs.get(path)?.data;
    return data && !isBinary(data) ? data.toString('utf8') : undefined;
  };
  const warn = (message: string, location?: { doc: PositionedDocument; path: (string | number)[] }) => {
    if (!strict) return;
    model.warnings.push(
      location ? location.doc.error(location.path, message).format(snap.displayRoot) : message,
    );
  };
  const errors: ConfigError[] = [];
  const fail = (error: ConfigError) => {
    if (strict) errors.push(error);
  };

  await read([configFile]);
  const configText = textOf(configFile);
  if (configText === undefined) {
    if (strict) {
      throw new ConfigError(`config file not found at ${snap.label}`, { file: snap.absolute(configFile) });
    }
    return model;
  }
  let doc: PositionedDocument;
  try {
    // Validated once per content: base and head usually share the config.
    [doc, model.config] = cache.memo(
      `config:${snap.absolute(configFile)}`,
      model.blobs.get(configFile)!,
      () => {
        const parsed = parseYamlFast(configText, snap.absolute(configFile));
        return [parsed, validate(parsed, [], ProjectConfigSchema, parsed.value)] as const;
      },
    );
  } catch (e) {
    if (strict || !(e instanceof ConfigError || e instanceof ConfigErrors)) throw e;
    return model;
  }
  const config = model.config;

  // -------------------------------------------------------------- declared components
  const raw = new Map<string, Claim[]>();
  const addClaim = (file: string, claim: Claim) => {
    const list = raw.get(file) ?? [];
    if (!list.some((c) => c.component === claim.component && c.declared === claim.declared)) list.push(claim);
    raw.set(file, list);
  };
  for (const [name, spec] of Object.entries(config.components)) {
    model.components.set(name, { name, kind: spec.kind, declared: true });
    spec.paths.forEach((pattern, i) => {
      const files = snap.glob(pattern);
      if (files.length === 0)
        warn(`'${pattern}' matches no file`, { doc, path: ['components', name, 'paths', i] });
      for (const file of files) addClaim(file, { component: name, keys: spec.keys ?? null, declared: true });
    });
  }

  // -------------------------------------------------------------- targets, and what they imply
  const targetFiles = new Map<string, string[]>();
  const openai = Object.entries(config.targets).flatMap(([name, spec]) =>
    spec.type === 'openai' ? [{ name, spec }] : [],
  );
  // Every file known by now is read in one batch: one git process, not one per kind of file.
  const suiteFiles: string[] = [];
  const packSuites: SuiteInfo[] = [];
  config.suites.forEach((pattern, i) => {
    const pack = parsePackRef(pattern);
    if (pack) {
      // A built-in pack ships with evalgate, not in the repository: no diff can touch it, but
      // it runs on what its target's changes imply (a model change re-runs every safety suite).
      const info = packSuiteInfo(pack, Object.keys(config.targets));
      if (info) packSuites.push(info);
      return;
    }
    const files = snap.glob(pattern);
    if (files.length === 0) {
      if (isGlob(pattern)) warn(`'${pattern}' matches no file`, { doc, path: ['suites', i] });
      else fail(doc.error(['suites', i], `suite file not found: ${pattern}`));
    }
    for (const f of files) if (!suiteFiles.includes(f)) suiteFiles.push(f);
  });
  await read([
    ...openai.flatMap(({ spec }) => [normalizePattern(spec.prompt), normalizePattern(spec.model)]),
    ...suiteFiles,
    ...raw.keys(),
  ]);
  const partialsOf = await followPartials(
    openai.map(({ spec }) => normalizePattern(spec.prompt)),
    read,
    textOf,
    (path) => model.blobs.has(path),
    (from, partial) => warn(`${from}: partial '${partial}' not found`),
  );
  for (const [name, spec] of Object.entries(config.targets)) {
    if (spec.type !== 'openai') {
      targetFiles.set(name, []);
      continue;
    }
    const prompt = normalizePattern(spec.prompt);
    const modelFile = normalizePattern(spec.model);
    const partials = partialsOf.get(prompt) ?? [];
    targetFiles.set(name, [prompt, ...partials, modelFile]);
    for (const [field, file] of [
      ['prompt', prompt],
      ['model', modelFile],
    ] as const) {
      if (!model.blobs.has(file))
        warn(`${field} file '${file}' not found`, { doc, path: ['targets', name, field] });
    }
    const promptName = `${name}.prompt`;
    if (!model.components.has(promptName)) {
      model.components.set(promptName, { name: promptName, kind: 'prompt', declared: false, target: name });
      for (const file of [prompt, ...partials]) {
        if (model.blobs.has(file)) addClaim(file, { component: promptName, keys: null, declared: false });
      }
    }
    const modelName = `${name}.model`;
    if (!model.components.has(modelName)) {
      model.components.set(modelName, { name: modelName, kind: 'model', declared: false, target: name });
      if (model.blobs.has(modelFile))
        addClaim(modelFile, { component: modelName, keys: null, declared: false });
      if (model.blobs.has(prompt))
        addClaim(prompt, { component: modelName, keys: [...MODEL_PARAM_KEYS], declared: false });
    }
  }

  // -------------------------------------------------------------- effective claims
  const declaredOrder = [...Object.keys(config.components)];
  const conflicts = new Set<string>();
  for (const [file, claims] of raw) {
    const effective = resolveClaims(claims, declaredOrder, (component, keyIndex, other, key) => {
      // Two globs overlapping on a hundred files are one mistake, reported once.
      if (conflicts.has(`${component}\u0000${keyIndex}`)) return;
      conflicts.add(`${component}\u0000${keyIndex}`);
      fail(
        doc.error(
          ['components', component, 'keys', keyIndex],
          `key '${key}' of ${file} is also claimed by component '${other}'; a key path belongs to one component`,
        ),
      );
    });
    if (effective.length) model.claims.set(file, effective);
  }
  const claimed = new Set<string>();
  for (const claims of model.claims.values()) for (const c of claims) claimed.add(c.component);
  for (const [name, info] of model.components)
    if (!info.declared && !claimed.has(name)) model.components.delete(name);

  // -------------------------------------------------------------- which target uses what
  const used = targetComponents(config.targets, model.components, model.claims, targetFiles, {
    unknown: (target, index, component) =>
      fail(
        doc.error(
          ['targets', target, 'components', index],
          `unknown component '${component}'; components: ${[...model.components.keys()].join(', ') || '(none)'}`,
        ),
      ),
    unused: (component) =>
      warn(`component '${component}' is used by no target: list it in a target's \`components\``, {
        doc,
        path: ['components', component],
      }),
  });
  for (const [name, spec] of Object.entries(config.targets)) {
    model.targets.set(name, { name, spec, components: used.get(name)!, files: targetFiles.get(name)! });
  }
  for (const { target, message } of uncoveredCodeTargets(config.targets, config.components))
    warn(message, { doc, path: ['targets', target] });

  // -------------------------------------------------------------- suites
  const targetNames = Object.keys(config.targets);
  for (const file of suiteFiles) {
    const blob = model.blobs.get(file);
    const suite = blob && loadSuite(file, blob, textOf(file), targetNames, snap, strict, fail, cache);
    if (!suite) continue;
    const clash = model.suites.find((s) => s.id === suite.id);
    if (clash) {
      fail(
        new ConfigError(`duplicate suite id '${suite.id}' (also in ${clash.file})`, {
          file: snap.absolute(file),
          field: 'id',
        }),
      );
      continue;
    }
    model.suites.push(suite);
  }
  for (const suite of packSuites) if (!model.suites.some((s) => s.id === suite.id)) model.suites.push(suite);
  await read(model.suites.flatMap((s) => s.datasets));
  for (const suite of model.suites) {
    for (const dataset of suite.datasets) {
      if (!model.blobs.has(dataset)) warn(`${suite.file}: dataset '${dataset}' not found`);
    }
    suite.dependsOn.forEach((pattern) => {
      if (snap.glob(pattern).length === 0) warn(`${suite.file}: dependsOn '${pattern}' matches no file`);
    });
  }

  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new ConfigErrors(errors);
  model.warnings = [...new Set(model.warnings)];
  return model;
}

/**
 * Which claims on one file hold. Declared beats inferred: an inferred whole-file claim yields
 * to a declared one, and an inferred key to the same key declared. Two declared components
 * on the same key are a config error: a change there would have two meanings.
 */
export function resolveClaims(
  claims: readonly Claim[],
  declaredOrder: readonly string[],
  conflict: (component: string, keyIndex: number, other: string, key: string) => void,
): Claim[] {
  const declaredWhole = claims.some((c) => c.declared && c.keys === null);
  const declaredKeys = new Map<string, string>();
  const ordered = [...claims].sort(
    (a, b) => declaredOrder.indexOf(a.component) - declaredOrder.indexOf(b.component),
  );
  for (const claim of ordered) {
    if (!claim.declared || !claim.keys) continue;
    claim.keys.forEach((key, i) => {
      const other = declaredKeys.get(key);
      if (other !== undefined && other !== claim.component) conflict(claim.component, i, other, key);
      else declaredKeys.set(key, claim.component);
    });
  }
  const out: Claim[] = [];
  for (const claim of claims) {
    if (claim.declared) out.push(claim);
    else if (claim.keys === null) {
      if (!declaredWhole) out.push(claim);
    } else {
      const keys = claim.keys.filter((k) => !declaredKeys.has(k));
      if (keys.length) out.push({ ...claim, keys });
    }
  }
  return out;
}

/** Partials reachable from each root template, in rounds of one batched read each. */
async function followPartials(
  roots: string[],
  read: (paths: Iterable<string>) => Promise<void>,
  textOf: (path: string) => string | undefined,
  exists: (path: string) => boolean,
  missing: (from: string, partial: string) => void,
): Promise<Map<string, string[]>> {
  const direct = new Map<string, string[]>();
  let frontier = [...new Set(roots)];
  while (frontier.length) {
    await read(frontier);
    const next = new Set<string>();
    for (const file of frontier) {
      const text = textOf(file);
      const includes = text === undefined ? [] : scanPartials(text, file);
      direct.set(file, includes);
      for (const partial of includes) if (!direct.has(partial)) next.add(partial);
    }
    frontier = [...next];
  }
  const result = new Map<string, string[]>();
  for (const root of roots) {
    const seen = new Set<string>([root]);
    const reachable: string[] = [];
    const visit = (file: string) => {
      for (const partial of direct.get(file) ?? []) {
        if (seen.has(partial)) continue;
        seen.add(partial);
        if (!exists(partial)) {
          missing(file, partial);
          continue;
        }
        reachable.push(partial);
        visit(partial);
      }
    };
    visit(root);
    result.set(root, reachable);
  }
  return result;
}

type SuiteFields = Pick<SuiteSpec, 'id' | 'kind' | 'target' | 'always' | 'dependsOn' | 'dataset'>;

function loadSuite(
  file: string,
  blob: FileBlob,
  text: string | undefined,
  targetNames: string[],
  snap: Snapshot,
  strict: boolean,
  fail: (e: ConfigError) => void,
  cache: ParseCache,
): SuiteInfo | undefined {
  if (text === undefined) return undefined;
  let doc: PositionedDocument;
  try {
    doc = cache.memo(`suite-yaml:${snap.absolute(file)}`, blob, () =>
      parseYamlFast(text, snap.absolute(file)),
    );
  } catch (e) {
    if (e instanceof ConfigError) fail(e);
    return undefined;
  }
  let spec: SuiteFields;
  let valid: SuiteSpec | undefined;
  try {
    spec = valid = cache.memo(`suite:${snap.absolute(file)}`, blob, () =>
      validate(doc, [], SuiteSchema, doc.value),
    );
  } catch (e) {
    if (strict && e instanceof ConfigError) fail(e);
    else if (strict && e instanceof ConfigErrors) e.errors.forEach(fail);
    // At base, a suite that no longer validates still has an id to compare by.
    const id = (doc.value as { id?: unknown } | null)?.id;
    if (strict || typeof id !== 'string') return undefined;
    spec = {
      id,
      kind: 'regression' as const,
      target: undefined,
      always: false,
      dependsOn: [],
      dataset: undefined,
    };
  }
  let target = spec.target;
  if (!target) {
    if (targetNames.length !== 1) {
      fail(doc.error([], `'target' is required: the config has several targets (${targetNames.join(', ')})`));
      if (strict) return undefined;
    }
    target = targetNames[0] ?? '';
  } else if (!targetNames.includes(target)) {
    fail(doc.error(['target'], `unknown target '${target}'; expected one of: ${targetNames.join(', ')}`));
    if (strict) return undefined;
  }
  const dir = posix.dirname(file);
  const datasets = (spec.dataset === undefined ? [] : [spec.dataset].flat()).map((d) =>
    posix.normalize(posix.join(dir, typeof d === 'string' ? d : d.file)),
  );
  return {
    id: spec.id,
    kind: spec.kind,
    target,
    always: spec.always,
    dependsOn: spec.dependsOn.map(normalizePattern),
    file,
    datasets,
    ...(valid && { spec: valid }),
  };
}

/** The plan's view of a built-in pack; loadProject reports a bad pack reference, so skip it here. */
function packSuiteInfo(pack: PackRef, targetNames: string[]): SuiteInfo | undefined {
  const file = packFile(pack.name);
  const target = pack.target ?? (targetNames.length === 1 ? targetNames[0] : undefined);
  if (!file || !target || !targetNames.includes(target)) return undefined;
  const spec = (loadYaml(readFileSync(file, 'utf8')) ?? {}) as { id?: unknown; kind?: unknown };
  if (typeof spec.id !== 'string') return undefined;
  return {
    id: pack.target ? `${spec.id}@${pack.target}` : spec.id,
    kind: spec.kind === 'regression' ? 'regression' : 'safety',
    target,
    always: false,
    dependsOn: [],
    file: `evalgate:${pack.name}`,
    datasets: [],
  };
}
