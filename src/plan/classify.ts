import type { TargetSpec } from '../config/schema.js';
import type { Claim, ProjectModel, TargetInfo } from './model.js';
import {
  ABSENT,
  canonicalFile,
  canonicalRemainder,
  canonicalSlice,
  hasStructure,
  splitKeyPath,
  versionId,
} from './normalize.js';
import type { ComponentKind } from './schema.js';
import type { ParseCache, Snapshot } from './snapshot.js';
import { configComponent, suiteComponent } from './types.js';

/** What a change can be a change of: a component, a suite (its file and datasets), or the config. */
export type ChangeKind = ComponentKind | 'suite' | 'config';

export interface ComponentVersion {
  kind: ChangeKind;
  /** Null when the component has no file at this revision. */
  version: string | null;
}

/** Every version at one revision, and what each file contributed to them. */
export interface Versions {
  components: Map<string, ComponentVersion>;
  /** file → component → that file's part of the component, path included, canonical. */
  contributions: Map<string, Map<string, string>>;
  /**
   * file → the canonical part of it no whole-file component owns (keys nobody claimed), or
   * null when every part of it is owned. Files nothing claims are not here.
   */
  unclaimed: Map<string, string | null>;
  targets: Map<string, { systemVersion: string; components: string[] }>;
  warnings: string[];
}

/**
 * Versions every component, suite and the config at the model's revision. A component's
 * version hashes, for each of its files in path order, the canonical form of the part it
 * owns: so it moves exactly when the meaning of something it owns does. A `code`
 * component owns its files' bytes (their git blob ids), so any byte change moves it.
 */
export async function computeVersions(
  model: ProjectModel,
  snap: Snapshot,
  cache: ParseCache,
  strict: boolean,
): Promise<Versions> {
  const needed = new Set<string>([model.configFile, ...model.claims.keys()]);
  for (const suite of model.suites) for (const f of [suite.file, ...suite.datasets]) needed.add(f);
  const missing = [...needed].filter((p) => !model.blobs.has(p));
  if (missing.length) for (const [path, blob] of await snap.read(missing)) model.blobs.set(path, blob);
  const parsed = (path: string) => {
    const blob = model.blobs.get(path);
    return blob ? cache.parse(path, blob) : undefined;
  };

  const warnings: string[] = [];
  const entries = new Map<string, [string, string, string][]>();
  const contributions = new Map<string, Map<string, string>>();
  const unclaimed = new Map<string, string | null>();
  const contribute = (file: string, component: string, parts: [string, string][]) => {
    const list = entries.get(component) ?? [];
    for (const [key, canon] of parts) list.push([file, key, canon]);
    entries.set(component, list);
    const byComponent = contributions.get(file) ?? new Map<string, string>();
    byComponent.set(component, JSON.stringify([file, parts]));
    contributions.set(file, byComponent);
  };

  for (const file of [...model.claims.keys()].sort()) {
    const content = parsed(file);
    if (!content) continue;
    const claims = model.claims.get(file)!;
    const structured = hasStructure(content);
    const keyPaths = structured
      ? [...new Set(claims.flatMap((c) => c.keys ?? []))].sort().map(splitKeyPath)
      : [];
    const parts = new Map<string, [string, string][]>();
    const push = (component: string, key: string, canon: string) => {
      const list = parts.get(component) ?? [];
      list.push([key, canon]);
      parts.set(component, list);
    };
    // Code is versioned by its bytes, keys or not: a space can change what a program does.
    const isCode = (claim: Claim) => model.components.get(claim.component)?.kind === 'code';
    for (const claim of claims) {
      if (isCode(claim)) {
        push(claim.component, '*', `bytes:${model.blobs.get(file)!.id}`);
        continue;
      }
      if (!claim.keys) continue;
      if (!structured) {
        if (claim.declared && strict) {
          warnings.push(
            `component '${claim.component}' names keys, but ${file} is not YAML, JSON or text with front matter: ignoring its keys there`,
          );
        }
        continue;
      }
      for (const key of claim.keys) {
        const path = splitKeyPath(key);
        const carved = keyPaths
          .filter((other) => other.length > path.length && path.every((seg, i) => other[i] === seg))
          .map((other) => other.slice(path.length));
        push(claim.component, key, canonicalSlice(content, path, carved));
      }
    }
    const remainder = canonicalRemainder(content, keyPaths);
    const whole = claims.filter((c) => c.keys === null || isCode(c));
    for (const claim of whole) if (!isCode(claim)) push(claim.component, '*', remainder);
    unclaimed.set(file, whole.length ? null : remainder);
    for (const [component, list] of parts) contribute(file, component, list.sort(byFirst));
  }

  const components = new Map<string, ComponentVersion>();
  for (const [name, info] of model.components) {
    const list = (entries.get(name) ?? []).sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
    components.set(name, { kind: info.kind, version: list.length ? versionId(list) : null });
  }

  const whole = (file: string) => {
    const content = parsed(file);
    return content ? canonicalFile(content) : ABSENT;
  };
  const pseudo = (file: string, component: string) => {
    const canon = whole(file);
    if (canon === ABSENT) return canon;
    const byComponent = contributions.get(file) ?? new Map<string, string>();
    byComponent.set(component, JSON.stringify([file, canon]));
    contributions.set(file, byComponent);
    unclaimed.set(file, null);
    return canon;
  };
  for (const suite of model.suites) {
    const name = suiteComponent(suite.id);
    // Content only, not paths: a suite moved as it is asks the same questions.
    const parts = [pseudo(suite.file, name), ...suite.datasets.map((d) => pseudo(d, name))];
    components.set(name, { kind: 'suite', version: versionId(['suite', parts]) });
  }
  const config = pseudo(model.configFile, configComponent(model.configFile));
  components.set(configComponent(model.configFile), {
    kind: 'config',
    version: config === ABSENT ? null : versionId(['config', config]),
  });

  const targets = new Map<string, { systemVersion: string; components: string[] }>();
  for (const target of model.targets.values()) {
    targets.set(target.name, {
      systemVersion: systemVersion(target, components),
      components: target.components,
    });
  }
  return { components, contributions, unclaimed, targets, warnings: [...new Set(warnings)] };
}

/**
 * A target's system version: its settings that shape answers, and the version of every
 * component it uses. Two runs with equal system versions ran the same system.
 */
export function systemVersion(target: TargetInfo, components: Map<string, ComponentVersion>): string {
  return versionId([
    behaviour(target.spec),
    target.components.map((name) => [name, components.get(name)?.version ?? null]),
  ]);
}

/** Settings that change how a target runs but not what it answers stay out of its version. */
function behaviour(spec: TargetSpec): unknown {
  const { description: _d, concurrency: _c, timeoutMs: _t, retries: _r, components: _p, ...rest } = spec;
  if ('apiKeyEnv' in rest) {
    const { apiKeyEnv: _k, ...withoutKey } = rest;
    return withoutKey;
  }
  return rest;
}

function byFirst(a: [string, string], b: [string, string]): number {
  return compare(a[0], b[0]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
