import { createHash } from 'node:crypto';
import { load as loadYaml, loadAll as loadAllYaml } from 'js-yaml';
import { canonicalJson, shortHash } from '../util/hash.js';

/**
 * A file read for its meaning rather than its bytes. Version ids hash this, so an edit that
 * changes only whitespace, comments or key order leaves them as they were.
 */
export type ParsedFile =
  /** Binary content or a submodule: compared by blob id, never parsed. */
  | { type: 'opaque'; id: string }
  /** YAML, JSON or JSON Lines, parsed. */
  | { type: 'data'; value: unknown }
  /** Any other text; `frontMatter` is the parsed YAML between leading `---` lines, when there is one. */
  | { type: 'text'; frontMatter?: unknown; body: string };

/** Where a missing key or file shows in a hashed value: unlike `null`, nothing a file can say. */
export const ABSENT = '\u0000absent';

/** Git's own heuristic: a NUL byte in the first 8000 bytes. */
export function isBinary(data: Buffer): boolean {
  return data.subarray(0, 8000).includes(0);
}

/** The id git gives a blob, so a working tree file and the same committed file version alike. */
export function gitBlobId(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

const YAML_FILE = /\.ya?ml$/i;
const JSON_FILE = /\.json$/i;
const JSON_LINES_FILE = /\.(jsonl|ndjson)$/i;
const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?\n)?---[ \t]*(?:\n|$)/;

export function parseFile(path: string, id: string, data: Buffer | undefined): ParsedFile {
  if (!data || isBinary(data)) return { type: 'opaque', id };
  const text = data
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n');
  if (YAML_FILE.test(path)) {
    const value = tryParse(() => loadAllYaml(text));
    // A single-document file (nearly all) hashes as that document, not a one-item list.
    if (value !== ABSENT)
      return { type: 'data', value: (value as unknown[]).length === 1 ? (value as unknown[])[0] : value };
  } else if (JSON_FILE.test(path)) {
    const value = tryParse(() => JSON.parse(text) as unknown);
    if (value !== ABSENT) return { type: 'data', value };
  } else if (JSON_LINES_FILE.test(path)) {
    const lines = text.split('\n').filter((line) => line.trim());
    return {
      type: 'data',
      value: lines.map((line) => {
        const value = tryParse(() => JSON.parse(line) as unknown);
        return value === ABSENT ? normalizeText(line) : value;
      }),
    };
  }
  const match = FRONT_MATTER.exec(text);
  if (match) {
    const frontMatter = tryParse(() => loadYaml(match[1] ?? '') ?? {});
    if (frontMatter !== ABSENT)
      return { type: 'text', frontMatter, body: normalizeText(text.slice(match[0].length)) };
  }
  return { type: 'text', body: normalizeText(text) };
}

function tryParse(parse: () => unknown): unknown {
  try {
    return parse();
  } catch {
    return ABSENT;
  }
}

/**
 * Blank lines at the end of a file never change what a prompt says: they are the last
 * message's edge, which rendering trims (line endings were normalised before, as the runner
 * reads templates: CRLF as LF). Spaces at the end of a line are kept: the runner sends them,
 * so an edit of them is a change, and for an openai prompt the plan's rendering then says
 * whether any request differs. They were once dropped here, and an edit the model would see
 * was planned as nothing.
 */
export function normalizeText(text: string): string {
  return text.replace(/\n+$/, '');
}

/** The key-addressable part of a file: a data file's value, or a text file's front matter. */
export function structuredRoot(file: ParsedFile): unknown {
  if (file.type === 'data') return file.value;
  if (file.type === 'text' && file.frontMatter !== undefined) return file.frontMatter;
  return ABSENT;
}

export function hasStructure(file: ParsedFile): boolean {
  return structuredRoot(file) !== ABSENT;
}

export function splitKeyPath(path: string): string[] {
  return path.split('.');
}

/** The value at `path` (object keys, or array indexes as numbers), or ABSENT. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || node instanceof Date) return ABSENT;
    if (!Object.prototype.hasOwnProperty.call(node, key)) return ABSENT;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * `value` without the subtrees at `paths` (relative to it). Copies only along the paths:
 * a large config with one claimed key costs one shallow copy per level.
 */
export function omitPaths(value: unknown, paths: readonly (readonly string[])[]): unknown {
  if (paths.length === 0) return value;
  if (paths.some((p) => p.length === 0)) return ABSENT;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const byKey = new Map<string, string[][]>();
  for (const [first, ...rest] of paths) {
    const list = byKey.get(first!) ?? [];
    list.push(rest);
    byKey.set(first!, list);
  }
  if (Array.isArray(value)) {
    // An omitted item keeps its slot, so the items after it keep their indexes.
    return value.map((item, i) => {
      const sub = byKey.get(String(i));
      return sub ? omitPaths(item, sub) : item;
    });
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = byKey.get(key);
    const kept = sub ? omitPaths(item, sub) : item;
    if (kept !== ABSENT) out[key] = kept;
  }
  return out;
}

/** The whole file as one canonical string. */
export function canonicalFile(file: ParsedFile): string {
  if (file.type === 'opaque') return `blob:${file.id}`;
  if (file.type === 'data') return canonicalJson(file.value);
  return canonicalJson(
    file.frontMatter === undefined ? { body: file.body } : { frontMatter: file.frontMatter, body: file.body },
  );
}

/** The file without the keys in `claimed`: what a whole-file component (or nobody) owns. */
export function canonicalRemainder(file: ParsedFile, claimed: readonly (readonly string[])[]): string {
  if (claimed.length === 0 || !hasStructure(file)) return canonicalFile(file);
  if (file.type === 'data') return canonicalJson(omitPaths(file.value, claimed));
  if (file.type === 'text') {
    return canonicalJson({ frontMatter: omitPaths(file.frontMatter, claimed), body: file.body });
  }
  return canonicalFile(file);
}

/** The value at `path`, minus the deeper `carved` paths other claims own. */
export function canonicalSlice(
  file: ParsedFile,
  path: readonly string[],
  carved: readonly (readonly string[])[],
): string {
  const value = valueAt(structuredRoot(file), path);
  if (value === ABSENT) return ABSENT;
  return canonicalJson(omitPaths(value, carved));
}

/** A short id for a version: 12 hex characters of SHA-256 of the canonical parts. */
export function versionId(parts: unknown): string {
  return shortHash(parts, 12);
}
