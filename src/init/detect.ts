import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
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

/** Extensions of source code: the files of these kinds near the app's entry point are its code. */
const CODE_EXTENSIONS = new Set([
  'js',
  'mjs',
  'cjs',
  'ts',
  'mts',
  'cts',
  'jsx',
  'tsx',
  'py',
  'rb',
  'go',
  'rs',
  'java',
  'kt',
  'cs',
  'php',
  'swift',
  'scala',
  'ex',
  'exs',
  'lua',
  'pl',
  'sh',
]);

/** Top-level folders an application's source usually lives in. */
const SOURCE_DIRS = ['src', 'app', 'lib', 'server', 'api', 'backend', 'service'];

/** Where `evalgate init` guessed a `command` or `http` target's code is, as globs for a `code` component. */
export interface CodeGuess {
  /** Globs relative to the root, `/`-separated; never empty. */
  paths: string[];
  /** Nothing was found: `paths` is a placeholder the user must correct. */
  placeholder: boolean;
}

/**
 * The application's code, so a change to it re-runs the target's suites: the folder of the
 * script the command runs (`node app/cli.mjs` → the code files under `app/`, `python -m
 * app.answer` → those under `app/`; a script at the root is claimed alone), and the usual
 * top-level source folders (`src/`, `app/`, `lib/`, ...) that hold code. A folder's glob
 * names the code extensions found in it, so its documents and data are left to other
 * components. With nothing found, `src/**` as a placeholder.
 */
export function guessCodePaths(root: string, command: readonly string[] | undefined): CodeGuess {
  const dirs = new Set<string>();
  const files: string[] = [];
  const script = command && commandScript(root, command);
  if (script) {
    if (script.dir === '.') {
      if (script.file) files.push(script.file);
    } else dirs.add(script.dir);
  }
  for (const dir of SOURCE_DIRS)
    if (isDir(join(root, dir)) && codeExtensions(root, dir).length) dirs.add(dir);
  // A folder inside another one already claimed adds nothing.
  const outer = [...dirs].filter((d) => ![...dirs].some((o) => o !== d && d.startsWith(`${o}/`)));
  const paths = [...files, ...outer.sort().map((dir) => codeGlob(root, dir))];
  return paths.length ? { paths, placeholder: false } : { paths: ['src/**'], placeholder: true };
}

/** The script or module folder a command runs, relative to the root, when it is in the root. */
function commandScript(root: string, command: readonly string[]): { dir: string; file?: string } | undefined {
  for (const [i, arg] of command.entries()) {
    if (command[i - 1] === '-m' && /^[A-Za-z_][\w.]*$/.test(arg)) {
      // `python -m app.answer`: the package's top folder, when it is one.
      const top = arg.split('.')[0]!;
      if (isDir(join(root, top))) return { dir: top };
      continue;
    }
    const rel = posix.normalize(arg.split(sep).join('/'));
    if (rel.startsWith('..') || posix.isAbsolute(rel) || rel === '.') continue;
    if (isFile(join(root, rel))) return { dir: posix.dirname(rel), file: rel };
  }
  return undefined;
}

/** `dir/**` narrowed to the code extensions found under it (`dir/**` when there are none). */
function codeGlob(root: string, dir: string): string {
  const exts = codeExtensions(root, dir);
  if (exts.length === 0) return `${dir}/**`;
  return exts.length === 1 ? `${dir}/**/*.${exts[0]}` : `${dir}/**/*.{${exts.join(',')}}`;
}

function codeExtensions(root: string, dir: string): string[] {
  const found = new Set<string>();
  let seen = 0;
  const walk = (abs: string, depth: number): void => {
    if (depth > MAX_DEPTH || seen > MAX_FILES) return;
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(join(abs, e.name), depth + 1);
      } else if (e.isFile()) {
        seen++;
        const ext = posix.extname(e.name).slice(1).toLowerCase();
        if (CODE_EXTENSIONS.has(ext)) found.add(ext);
      }
    }
  };
  walk(join(root, dir), 0);
  return [...found].sort();
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
