import picomatch from 'picomatch';
import type { ChangedFile } from '../changes/types.js';
import type { TargetSpec } from '../config/schema.js';
import type { Claim, ComponentInfo, ProjectModel } from './project-model.js';
import { configComponent, suiteComponent, type Change, type PlannedSuite, type Reason } from './types.js';

/**
 * The components each target uses, sorted: those it lists in `components`, and those that
 * claim one of its files (an openai target's prompt, the partials it includes, its model
 * file). A component nothing ties to a target could shape any target that lists nothing,
 * so those targets get it; when every target lists its components, it is reported unused.
 */
export function targetComponents(
  targets: Record<string, TargetSpec>,
  components: Map<string, ComponentInfo>,
  claims: Map<string, Claim[]>,
  targetFiles: Map<string, string[]>,
  report: {
    unknown(target: string, index: number, component: string): void;
    unused(component: string): void;
  },
): Map<string, string[]> {
  const used = new Map<string, Set<string>>();
  const attached = new Set<string>();
  for (const [name, spec] of Object.entries(targets)) {
    const set = new Set<string>();
    (spec.components ?? []).forEach((component, i) => {
      if (components.has(component)) set.add(component);
      else report.unknown(name, i, component);
    });
    for (const file of targetFiles.get(name) ?? []) {
      for (const claim of claims.get(file) ?? []) {
        // Another target's inferred prompt may share this file; it is that target's, not ours.
        if (claim.declared || components.get(claim.component)?.target === name) set.add(claim.component);
      }
    }
    used.set(name, set);
    for (const c of set) attached.add(c);
  }
  const implicit = Object.entries(targets).filter(([, spec]) => spec.components === undefined);
  for (const [name, info] of components) {
    if (attached.has(name) || info.target) continue;
    if (implicit.length === 0) report.unused(name);
    for (const [target] of implicit) used.get(target)!.add(name);
  }
  return new Map([...used].map(([name, set]) => [name, [...set].sort()]));
}

export interface ChangedContent {
  /** Canonical whole-file content at head (by path) and base (by previous path); ABSENT where missing. */
  head: string;
  base: string;
  existsHead: boolean;
  existsBase: boolean;
  binary: boolean;
}

/**
 * Which head suites a set of changes reaches, and why. A suite depends on its own file and
 * datasets (`suite:<id>`), on evalgate.yml, on every component its target uses (at head or
 * base), and on the files its `dependsOn` globs match; a model change anywhere reaches every
 * safety suite; `always: true` suites always run.
 */
export function affectedSuites(
  head: ProjectModel,
  base: ProjectModel,
  changes: Map<string, Change>,
  changed: readonly ChangedFile[],
  contents: Map<string, ChangedContent>,
): { suites: PlannedSuite[]; unaffected: string[] } {
  const reason = (type: 'suite' | 'config' | 'component' | 'safety', change: Change): Reason => ({
    type,
    component: change.component,
    kind: change.kind,
    old: change.old,
    new: change.new,
  });
  const modelChanges = [...changes.values()].filter((c) => c.kind === 'model');
  const configChange = changes.get(configComponent(head.configFile));
  const matchers = new Map<string, (path: string) => boolean>();
  const matcher = (pattern: string) => {
    let match = matchers.get(pattern);
    if (!match) {
      match = picomatch(pattern, { dot: false });
      matchers.set(pattern, match);
    }
    return match;
  };

  const suites: PlannedSuite[] = [];
  const unaffected: string[] = [];
  for (const suite of [...head.suites].sort((a, b) => compare(a.id, b.id))) {
    const reasons: Reason[] = [];
    const own = changes.get(suiteComponent(suite.id));
    if (own) reasons.push(reason('suite', own));
    if (configChange) reasons.push(reason('config', configChange));
    const used = new Set([
      ...(head.targets.get(suite.target)?.components ?? []),
      ...(base.targets.get(suite.target)?.components ?? []),
    ]);
    for (const name of [...used].sort(compare)) {
      const change = changes.get(name);
      if (change) reasons.push(reason('component', change));
    }
    if (suite.kind === 'safety') {
      for (const change of modelChanges)
        if (!used.has(change.component)) reasons.push(reason('safety', change));
    }
    for (const pattern of suite.dependsOn) {
      const match = matcher(pattern);
      for (const file of changed) {
        const content = contents.get(file.path)!;
        const inHead = content.existsHead && match(file.path);
        const inBase = content.existsBase && match(file.previousPath ?? file.path);
        // Moving a file in or out of the globs counts; touching it without changing what it says does not.
        if ((inHead || inBase) && (inHead !== inBase || content.head !== content.base)) {
          reasons.push({ type: 'dependsOn', pattern, path: file.path });
        }
      }
    }
    if (suite.always) reasons.push({ type: 'always' });
    if (reasons.length)
      suites.push({ id: suite.id, target: suite.target, kind: suite.kind, file: suite.file, reasons });
    else unaffected.push(suite.id);
  }
  return { suites, unaffected };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
