import { shortHash } from '../util/hash.js';
import type { SystemVersions } from '../plan/versions.js';
import type { RecordVersions } from './record.js';

/** Bumped on any change a reader of `evalgate versions --json` could notice. */
export const VERSIONS_SCHEMA_VERSION = 1;

/** What `evalgate versions --json` prints: the ids an application stamps on its records. */
export interface VersionsDocument {
  schemaVersion: typeof VERSIONS_SCHEMA_VERSION;
  /** Every declared component with its kind and version id, as in a Results document's `run.components`. */
  components: SystemVersions['components'];
  /** Per target: the `versions` to pass to `toRecord` / `createRecorder`. */
  targets: Record<string, RecordVersions & { system: string; components: Record<string, string> }>;
}

const STAMPED_KINDS = ['prompt', 'model', 'retrieval'] as const;

/**
 * The version ids change detection computes (the same the run stage records in Results),
 * arranged per target for stamping: `system` is the target's system version id; `prompt`,
 * `model` and `retrieval` the version of its one component of that kind, or, when it has
 * several, 16 hex characters of the SHA-256 of their sorted `[name, version]` pairs, so any
 * change to any of them changes the id.
 */
export function versionsDocument(versions: SystemVersions): VersionsDocument {
  const targets: VersionsDocument['targets'] = {};
  for (const [name, target] of Object.entries(versions.targets)) {
    const components: Record<string, string> = {};
    for (const c of [...target.components].sort()) {
      const v = versions.components[c]?.version;
      if (v) components[c] = v;
    }
    const stamp: VersionsDocument['targets'][string] = { system: target.systemVersion, components };
    for (const kind of STAMPED_KINDS) {
      const ofKind = Object.entries(components).filter(([c]) => versions.components[c]?.kind === kind);
      if (ofKind.length === 1) stamp[kind] = ofKind[0]![1];
      else if (ofKind.length > 1) stamp[kind] = shortHash(ofKind, 16);
    }
    targets[name] = stamp;
  }
  return { schemaVersion: VERSIONS_SCHEMA_VERSION, components: versions.components, targets };
}
