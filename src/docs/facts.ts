import { basename, dirname, relative, resolve, sep } from 'node:path';
import { PathStore } from '../baseline/stores/path.js';
import type { BaselineConfig } from '../baseline/schema.js';
import { loadProject, type LoadedSuite } from '../config/load.js';
import type { ProjectConfig } from '../config/schema.js';
import type { GatePolicy } from '../gate/schema.js';
import type { JudgeConfig } from '../graders/judge-spec.js';
import { loadModel, type ProjectModel } from '../plan/model.js';
import type { ComponentKind } from '../plan/schema.js';
import { DiskSnapshot, ParseCache } from '../plan/snapshot.js';
import type { RolloutConfig } from '../production/canary/rollout-schema.js';
import type { ProductionPolicy } from '../production/policy-schema.js';
import { loadOnlineGraders } from '../production/online/config.js';

/**
 * Everything the four documents say, gathered once from the project on disk into one plain
 * JSON value: the config's sections with their defaults filled in, every suite's counts and
 * dependencies, and what the local baseline store holds. The renderers read only this, so a
 * document's inputs hash (marker.ts) covers all it depends on, and a test can render any
 * project without touching a disk.
 *
 * Nothing here reads the clock, the environment or the network; paths are project-relative
 * and `/`-separated, so the same checkout gives the same bytes on every machine.
 */
export interface DocsFacts {
  /** The config's file name, relative to the project folder (the folder it is in). */
  configFile: string;
  gate: GatePolicy;
  judge: Pick<JudgeConfig, 'minKappa' | 'minLabels' | 'minLabelsPerClass'> & { calibration: string | null };
  baselineConfig: Pick<BaselineConfig, 'store' | 'branch' | 'path' | 'privacy'> & { remote: string | null };
  /** `production:`; null when the config has none. */
  production: ProductionPolicy | null;
  /** `rollout:`; null when the config has none. */
  rollout: RolloutConfig | null;
  targets: TargetFacts[];
  suites: SuiteFacts[];
  baselines: BaselineFacts;
}

export interface ComponentFacts {
  name: string;
  kind: ComponentKind;
  /** Declared under `components:`, or inferred from an openai target's prompt and model. */
  declared: boolean;
  /** Project-relative files it claims; `keys` when it owns only some key paths of one. */
  files: { path: string; keys: string[] | null }[];
}

export interface TargetFacts {
  name: string;
  type: 'openai' | 'http' | 'command';
  components: ComponentFacts[];
}

export interface SuiteFacts {
  id: string;
  description: string | null;
  owner: string | null;
  tier: LoadedSuite['tier'];
  kind: LoadedSuite['kind'];
  target: string;
  repeat: number;
  always: boolean;
  /** Project-relative suite file, or `evalgate:NAME` for a built-in pack. */
  file: string;
  datasets: string[];
  dependsOn: string[];
  cases: number;
  blockers: number;
  /** Cases per tag value, by tag name then value. */
  tags: { tag: string; value: string; cases: number }[];
}

/** One suite's stored baseline, as the store lists it. */
export interface BaselineEntry {
  recordedAt: string;
  commit: string | null;
  cases: number;
  privacy: string;
}

/**
 * What the local store holds. Only a `path` store is read: its files are part of the
 * checkout, so every clone of one commit renders the same manifest. A `git-branch` store
 * lives outside the working tree and moves with every run on the default branch (and a
 * fresh CI clone has no local copy of it), so the manifest names it rather than copy a
 * snapshot that would differ between machines; `evalgate baseline list` reads it.
 */
export type BaselineFacts =
  | { store: 'path'; dir: string; bySuite: Record<string, BaselineEntry> }
  | { store: 'git-branch'; branch: string; remote: string | null }
  | { store: 'rerun' };

/** The facts of the project whose config is at `configPath`; throws its ConfigErrors as loadProject does. */
export async function collectDocsFacts(configPath: string): Promise<DocsFacts> {
  const absolute = resolve(configPath);
  const project = loadProject(absolute);
  const model = await loadModel(
    new DiskSnapshot(dirname(absolute)),
    basename(absolute),
    true,
    new ParseCache(),
  );
  const { config } = project;
  // The documents never describe an online grader the production job would refuse.
  if (config.production?.online) loadOnlineGraders(absolute);
  return {
    configFile: basename(absolute),
    gate: config.gate,
    judge: {
      calibration: config.judge.calibration ?? null,
      minKappa: config.judge.minKappa,
      minLabels: config.judge.minLabels,
      minLabelsPerClass: config.judge.minLabelsPerClass,
    },
    baselineConfig: {
      store: config.baseline.store,
      branch: config.baseline.branch,
      path: config.baseline.path,
      privacy: config.baseline.privacy,
      remote: config.baseline.remote ?? null,
    },
    production: config.production ?? null,
    rollout: config.rollout ?? null,
    targets: targetFacts(config, model),
    suites: project.suites
      .map((s) => suiteFacts(s, model, project.rootDir))
      .sort((a, b) => compare(a.id, b.id)),
    baselines: await baselineFacts(config.baseline, project.rootDir),
  };
}

function targetFacts(config: ProjectConfig, model: ProjectModel): TargetFacts[] {
  const filesOf = new Map<string, ComponentFacts['files']>();
  for (const [path, claims] of [...model.claims].sort((a, b) => compare(a[0], b[0])))
    for (const claim of claims) {
      const list = filesOf.get(claim.component) ?? [];
      list.push({ path, keys: claim.keys ? [...claim.keys].sort(compare) : null });
      filesOf.set(claim.component, list);
    }
  return Object.keys(config.targets)
    .sort(compare)
    .map((name) => ({
      name,
      type: config.targets[name]!.type,
      components: (model.targets.get(name)?.components ?? []).map((c) => {
        const info = model.components.get(c)!;
        return { name: c, kind: info.kind, declared: info.declared, files: filesOf.get(c) ?? [] };
      }),
    }));
}

function suiteFacts(suite: LoadedSuite, model: ProjectModel, rootDir: string): SuiteFacts {
  // The plan's view names files project-relative, and a pack `evalgate:NAME` rather than
  // where this machine installed it.
  const info = model.suites.find((s) => s.id === suite.id);
  const counts = new Map<string, number>();
  for (const c of suite.cases)
    for (const [tag, value] of Object.entries(c.tags))
      for (const v of new Set([value].flat())) {
        const key = `${tag}\u0000${v}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
  return {
    id: suite.id,
    description: suite.description ?? null,
    owner: suite.owner ?? null,
    tier: suite.tier,
    kind: suite.kind,
    target: suite.target,
    repeat: suite.repeat,
    always: suite.always,
    file: info?.file ?? posix(relative(rootDir, suite.file)),
    datasets: info?.datasets ?? [],
    dependsOn: info?.dependsOn ?? suite.dependsOn,
    cases: suite.cases.length,
    blockers: suite.cases.filter((c) => c.blocker).length,
    tags: [...counts]
      .map(([key, cases]) => {
        const [tag, value] = key.split('\u0000') as [string, string];
        return { tag, value, cases };
      })
      .sort((a, b) => compare(a.tag, b.tag) || compare(a.value, b.value)),
  };
}

async function baselineFacts(config: BaselineConfig, rootDir: string): Promise<BaselineFacts> {
  switch (config.store) {
    case 'rerun':
      return { store: 'rerun' };
    case 'git-branch':
      return { store: 'git-branch', branch: config.branch, remote: config.remote ?? null };
    case 'path': {
      const store = new PathStore({ dir: config.path, rootDir });
      const bySuite: Record<string, BaselineEntry> = {};
      for (const b of await store.list())
        bySuite[b.suite] = {
          recordedAt: b.recordedAt,
          commit: b.commit ?? null,
          cases: b.cases,
          privacy: b.privacy,
        };
      return { store: 'path', dir: posix(relative(rootDir, store.dir)) || '.', bySuite };
    }
  }
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
