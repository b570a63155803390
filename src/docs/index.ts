import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { evalPolicyDocument } from './eval-policy.js';
import { collectDocsFacts, type DocsFacts } from './facts.js';
import { incidentTemplateDocument } from './incident-template.js';
import { inputsHash, markerLine, MARKER_PREFIX, regenerateCommand } from './marker.js';
import { rolloutChecklistDocument } from './rollout-checklist.js';
import { suiteManifestDocument } from './suite-manifest.js';
import type { DocumentSpec } from './types.js';

export { collectDocsFacts, type DocsFacts } from './facts.js';
export { INCIDENT_SECTIONS, type IncidentSection } from './incident-template.js';
export { MARKER_PREFIX, markerHash } from './marker.js';

/**
 * The four documents the project promises, generated from its config so they stay true:
 * the eval policy, the regression suite manifest, the rollout checklist and the incident
 * log template. `evalgate docs` writes them, `--check` says which are stale, `init` writes
 * them with the rest of the scaffold.
 */

/** Where the documents go, relative to the project folder (the config's). */
export const DEFAULT_DOCS_DIR = 'docs/evalgate';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const DOCUMENTS: readonly DocumentSpec<any>[] = [
  evalPolicyDocument,
  suiteManifestDocument,
  rolloutChecklistDocument,
  incidentTemplateDocument,
];

export interface GeneratedDocument {
  /** File name, e.g. `eval-policy.md`. */
  file: string;
  /** Absolute path it belongs at. */
  path: string;
  title: string;
  content: string;
  /** The inputs hash its marker names. */
  hash: string;
}

/**
 * The documents of `facts`, as they belong in `outDir` (absolute) of the project at
 * `rootDir`. Pure: the same facts and folder give the same bytes.
 */
export function renderDocuments(facts: DocsFacts, rootDir: string, outDir: string): GeneratedDocument[] {
  const rel = relative(rootDir, outDir).split(sep).join('/') || '.';
  const command = regenerateCommand(facts.configFile, rel, DEFAULT_DOCS_DIR);
  return DOCUMENTS.map((doc) => {
    const inputs = doc.inputs(facts);
    const hash = inputsHash(doc.file, inputs);
    return {
      file: doc.file,
      path: join(outDir, doc.file),
      title: doc.title,
      content: `${markerLine(command, hash)}\n\n${doc.render(inputs).trimEnd()}\n`,
      hash,
    };
  });
}

/** The documents of the project whose config is at `configPath`, for `outDir` (default: DEFAULT_DOCS_DIR in its folder). */
export async function generateDocs(configPath: string, outDir?: string): Promise<GeneratedDocument[]> {
  const config = resolve(configPath);
  const rootDir = dirname(config);
  const facts = await collectDocsFacts(config);
  return renderDocuments(facts, rootDir, outDir ?? join(rootDir, DEFAULT_DOCS_DIR));
}

export type DocumentState =
  /** On disk, byte for byte. */
  | 'current'
  /** On disk with our marker, different. */
  | 'stale'
  | 'missing'
  /** On disk without our marker: someone's own file, which `docs` will not overwrite. */
  | 'foreign';

/** How each document compares with what is on disk. */
export function documentStates(
  docs: readonly GeneratedDocument[],
): { doc: GeneratedDocument; state: DocumentState }[] {
  return docs.map((doc) => {
    let text: string;
    try {
      text = readFileSync(doc.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { doc, state: 'missing' as const };
      throw e;
    }
    if (text === doc.content) return { doc, state: 'current' as const };
    return { doc, state: text.startsWith(MARKER_PREFIX) ? ('stale' as const) : ('foreign' as const) };
  });
}

/**
 * Writes one document, through a temporary file and a rename so a reader never sees half
 * of it.
 */
export function writeDocument(doc: GeneratedDocument): void {
  mkdirSync(dirname(doc.path), { recursive: true });
  const temp = `${doc.path}.${process.pid}.tmp`;
  writeFileSync(temp, doc.content);
  renameSync(temp, doc.path);
}
