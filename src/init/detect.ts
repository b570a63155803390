import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';

/**
 * What `evalgate init` can learn about a repository without asking: the prompt and model files
 * it would point a target at. Detection is by convention only (a `prompts/` or `models/`
 * folder anywhere in the tree); what it cannot guess, the user passes as a flag.
 */
export interface Detected {
  /** Prompt files, relative to the root, `/`-separated, the likeliest first (see byLikelihood). */
  prompts: string[];
  /** Model config files, likewise. */
  models: string[];
}

export const PROMPT_GLOB = '**/prompts/**/*.{md,txt,yaml,yml,json}';
export const MODEL_GLOB = '**/models/**/*.{yaml,yml,json}';

/** Folders never searched: dependencies, build output, VCS and evalgate's own state. */
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'out',
  'coverage',
  'vendor',
  '.venv',
  'venv',
  '__pycache__',
  '.evalgate',
  '.github',
  '.next',
  '.cache',
]);

/** Enough for any real layout; bounds the walk in a repository with a huge tree. */
const MAX_DEPTH = 8;
const MAX_FILES = 20_000;

export function detectProject(root: string): Detected {
  const isPrompt = picomatch(PROMPT_GLOB, { dot: false });
  const isModel = picomatch(MODEL_GLOB, { dot: false });
  const prompts: string[] = [];
  const models: string[] = [];
  let seen = 0;
  const walk = (dir: string, depth: number): void => {
    if (depth > MAX_DEPTH || seen > MAX_FILES) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to detect there
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(full, depth + 1);
      } else if (e.isFile()) {
        seen++;
        const rel = relative(root, full).split(sep).join('/');
        if (isModel(rel)) models.push(rel);
        else if (isPrompt(rel)) prompts.push(rel);
      }
    }
  };
  walk(root, 0);
  return { prompts: prompts.sort(byLikelihood), models: models.sort(byLikelihood) };
}

/**
 * The file a target most likely uses first: partials (`partials/`, `_name`) last, then the
 * shallower path (an app's own `prompts/` before an example's deep in the tree), then by name.
 */
function byLikelihood(a: string, b: string): number {
  const partial = (p: string) => (/(^|\/)(partials?\/|_)/.test(p) ? 1 : 0);
  const depth = (p: string) => p.split('/').length;
  return partial(a) - partial(b) || depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The template variables a prompt file uses, as paths (`{{ question }}` → `question`,
 * `{{ customer.name }}` → `customer.name`), partials (`{{> file }}`) left out. Sorted and
 * unique; empty when the file cannot be read.
 */
export function promptVariables(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const m of text.matchAll(/\{\{\s*([A-Za-z_]\w*(?:\.\w+)*)\s*\}\}/g)) names.add(m[1]!);
  return [...names].sort();
}

/** Splits a command line into argv: whitespace separates, single and double quotes group. */
export function splitCommand(line: string): string[] {
  const argv: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) argv.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} in the command`);
  if (started) argv.push(current);
  return argv;
}
