import { basename, dirname, resolve } from 'node:path';
import type { RunInfo, TargetInfo } from '../results/types.js';
import { computeVersions, type Versions } from './classify.js';
import { loadModel, type ProjectModel } from './model.js';
import { DiskSnapshot, ParseCache } from './snapshot.js';

export interface SystemVersions {
  /** For `RunInfo.components`. */
  components: RunInfo['components'];
  /** `systemVersion` for each target's `TargetInfo`, and the components it combines. */
  targets: Record<string, Required<Pick<TargetInfo, 'systemVersion'>> & { components: string[] }>;
  warnings: string[];
}

/**
 * Component and system version ids of the files on disk: what the run stage records, so a
 * Results document says which prompt, model and retrieval set-up produced it. For a clean
 * checkout they equal the plan's `components` and `targets` at head.
 */
export async function versionsForWorkingTree(project: { configPath: string }): Promise<SystemVersions> {
  const { model, versions } = await versionsOnDisk(project.configPath);
  const components: SystemVersions['components'] = {};
  for (const name of [...model.components.keys()].sort()) {
    const version = versions.components.get(name)?.version;
    if (version) components[name] = { kind: model.components.get(name)!.kind, version };
  }
  const targets: SystemVersions['targets'] = {};
  for (const [name, target] of [...versions.targets].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    targets[name] = target;
  return { components, targets, warnings: [...model.warnings, ...versions.warnings] };
}

/** Every version on disk, suites and config included, with the model behind them. */
export async function versionsOnDisk(
  configPath: string,
): Promise<{ model: ProjectModel; versions: Versions }> {
  const absolute = resolve(configPath);
  const snap = new DiskSnapshot(dirname(absolute));
  const cache = new ParseCache();
  const model = await loadModel(snap, basename(absolute), true, cache);
  return { model, versions: await computeVersions(model, snap, cache, true) };
}
