import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { LoadedProject, LoadedSuite } from '../config/load.js';
import { canonicalJson, sha256, shortHash } from '../util/hash.js';
import type { FingerprintExtras } from './fingerprint.js';

/**
 * SHA-256 of the grader specs written in a suite file (the suite's `graders` and each inline
 * case's), as parsed YAML in canonical JSON: what stands in for grader versions until graders
 * have them. Undefined when the file cannot be read — the fingerprint then leaves it out
 * rather than record a hash of nothing.
 */
export function graderSpecHash(suiteFile: string): string | undefined {
  let doc: unknown;
  try {
    doc = parse(readFileSync(suiteFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const { graders, cases } = doc as { graders?: unknown; cases?: unknown };
  const perCase = Array.isArray(cases)
    ? cases.map((c) => (c && typeof c === 'object' ? ((c as { graders?: unknown }).graders ?? null) : null))
    : [];
  return sha256(canonicalJson({ graders: graders ?? [], cases: perCase }));
}

/**
 * The judge behind a suite's model-graded verdicts, from the compiled graders' fingerprints:
 * the model(s), and as version a hash of every judge fingerprint (prompt, threshold,
 * parameters), so a rubric edit shows even when the model stays. Undefined when no grader of
 * the suite is model-backed.
 */
export function judgeOf(suite: Pick<LoadedSuite, 'cases'>): FingerprintExtras['judge'] {
  const fingerprints = new Map<string, Record<string, unknown>>();
  for (const c of suite.cases)
    for (const g of c.graders)
      if (g.fingerprint && typeof g.fingerprint.model === 'string')
        fingerprints.set(canonicalJson(g.fingerprint), g.fingerprint);
  if (fingerprints.size === 0) return undefined;
  const models = [...new Set([...fingerprints.values()].map((f) => f.model as string))].sort();
  return { model: models.join(', '), version: shortHash([...fingerprints.keys()].sort()) };
}

/**
 * The fingerprint extras for every suite of a project. Save and compare must both use this,
 * so the two fingerprints are computed the same way.
 */
export function fingerprintExtrasForProject(
  project: Pick<LoadedProject, 'suites'>,
): Record<string, FingerprintExtras> {
  const out: Record<string, FingerprintExtras> = {};
  for (const suite of project.suites) {
    const specHash = graderSpecHash(suite.file);
    const judge = judgeOf(suite);
    out[suite.id] = {
      ...(specHash !== undefined && { graderSpecHash: specHash }),
      ...(judge && { judge }),
    };
  }
  return out;
}
