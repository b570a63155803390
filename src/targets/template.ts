import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { parseYamlFast, type PositionedDocument } from '../config/yaml.js';
import type { ChatMessage, ChatRole } from './chat.js';
import { spliceConversation } from './conversation.js';
import { getPath, parsePath, type PathSegment } from './json-path.js';
import { validateModelParams, type ModelConfig, type ModelParams } from './model-config.js';

/**
 * Prompt templates: files of chat messages with `{{ vars }}` and `{{> partials }}`.
 *
 * Two file shapes, because teams keep prompts both ways:
 * - `.yaml` / `.yml` / `.json`: `{ messages: [{ role, content }], ...modelParams }`.
 * - anything else (`.md`, `.txt`, `.prompt`): optional YAML front matter of model params, then
 *   a body split into messages by `[system]` / `[developer]` / `[user]` / `[assistant]` lines;
 *   a body without markers is one user message.
 *
 * Partials are inlined when a template is loaded, so a partial may carry role markers (a shared
 * few-shot block) while a case's variable values never can: markers are recognised in template
 * text only, which keeps case data from forging a system message.
 *
 * Files are parsed once per content and linked once per load; rendering a case is a walk over
 * a flat list of strings and variable references, cheap enough for 100,000 cases.
 */

export type { ChatMessage, ChatRole } from './chat.js';

export interface PromptTemplate {
  /** Absolute path of the template file. */
  readonly file: string;
  /** Model parameters from front matter or the structured file; they override the model file's. */
  readonly params: ModelParams;
  /** Absolute paths of every partial reachable from this template. */
  readonly includes: readonly string[];
  /** Variable paths the template uses, e.g. `question`, `customer.name`. */
  readonly variables: readonly string[];
  /** Throws ConfigError naming the variable and where it is used when a case lacks it. */
  render(vars: Record<string, unknown>): ChatMessage[];
}

export interface StringTemplate {
  readonly variables: readonly string[];
  /** Set when the whole string is one `{{ var }}`: a JSON body then keeps the value's type. */
  readonly whole: boolean;
  /** `escape` applies to variable values only (URLs percent-encode them; literal text is config). */
  render(vars: Record<string, unknown>, escape?: (text: string) => string): string;
  /** The variable's raw value, for `whole` templates. */
  value(vars: Record<string, unknown>): unknown;
}

const ROLES: readonly ChatRole[] = ['system', 'developer', 'user', 'assistant'];
const MARKER = /^[ \t]*\[(system|developer|user|assistant)\][ \t]*$/i;
const VARIABLE = /^[A-Za-z_][\w-]*(?:\.[\w-]+|\[(?:-?\d+|"[^"]*"|'[^']*')\])*$/;
const STRUCTURED = new Set(['.yaml', '.yml', '.json']);

interface VarRef {
  kind: 'var';
  name: string;
  path: PathSegment[];
  /** Absolute file, or a config label such as `targets.app.body` (then line is 0). */
  source: string;
  line: number;
}

interface PartialRef {
  kind: 'partial';
  spec: string;
  file: string;
  source: string;
  line: number;
}

type Token = string | VarRef | PartialRef;
type Piece = string | VarRef;

// ---------------------------------------------------------------- tokenizing

/**
 * Splits text into literal strings and `{{ }}` tags. `\{{` is a literal `{{` for prompts that
 * need to show template syntax. Errors go through `fail` so file templates can report a line
 * and config strings a field.
 */
function tokenize(
  text: string,
  at: { source: string; line: number; partials: boolean },
  fail: (message: string, line: number) => Error,
): Token[] {
  const tokens: Token[] = [];
  let literal = '';
  let line = at.line;
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      literal += text.slice(i);
      break;
    }
    const before = text.slice(i, open);
    line += countLines(before);
    if (text[open - 1] === '\\') {
      literal += before.slice(0, -1) + '{{';
      i = open + 2;
      continue;
    }
    literal += before;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) throw fail(`unclosed '{{' (write \\{{ for a literal '{{')`, line);
    const raw = text.slice(open + 2, close);
    const inner = raw.trim();
    if (literal) tokens.push(literal);
    literal = '';
    if (inner.startsWith('>')) {
      const spec = partialPath(inner);
      if (!spec) throw fail(`partial '{{${raw}}}' names no file`, line);
      if (!at.partials) throw fail(`partials ({{> file}}) are only supported in prompt files`, line);
      tokens.push({
        kind: 'partial',
        spec,
        file: resolve(dirname(at.source), spec),
        source: at.source,
        line,
      });
    } else {
      if (!inner) throw fail(`empty '{{}}'; expected a variable name`, line);
      if (!VARIABLE.test(inner)) {
        throw fail(
          `invalid variable '{{${raw}}}'; expected a name or dotted path such as {{ customer.name }}`,
          line,
        );
      }
      tokens.push({ kind: 'var', name: inner, path: parsePath(inner), source: at.source, line });
    }
    line += countLines(raw);
    i = close + 2;
  }
  if (literal) tokens.push(literal);
  return tokens;
}

/** `> path`, `> "path"` or `> 'path'` (the quoted forms allow spaces). */
function partialPath(inner: string): string {
  return inner
    .slice(1)
    .trim()
    .replace(/^(["'])(.*)\1$/, '$2');
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function fileError(file: string) {
  return (message: string, line: number) => new ConfigError(message, { file, ...(line > 0 && { line }) });
}

/** Template files are text we send to a model: one line-ending convention keeps cache keys stable across OSes. */
function readTemplateFile(file: string): string {
  return templateText(readFileSync(file, 'utf8'));
}

function templateText(text: string): string {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
}

/**
 * Reads a template file by absolute path, or gives undefined when there is no such file. The
 * plan passes one that reads a revision from git, to render base and head as the runner would.
 */
export type TemplateReader = (file: string) => string | undefined;

// ---------------------------------------------------------------- parsed-file caches

/** Parsed partial files by absolute path; reused while their content is unchanged. */
const partialCache = new Map<string, { text: string; tokens: Token[] }>();
const promptCache = new Map<string, { text: string; parsed: ParsedPrompt }>();

function partialTokens(file: string, text: string): Token[] {
  const hit = partialCache.get(file);
  if (hit && hit.text === text) return hit.tokens;
  const tokens = tokenize(text, { source: file, line: 1, partials: true }, fileError(file));
  partialCache.set(file, { text, tokens });
  return tokens;
}

type ParsedPrompt =
  | { format: 'text'; params: ModelParams; body: Token[]; bodyLine: number }
  | {
      format: 'structured';
      params: ModelParams;
      messages: { role: ChatRole; name?: string; tokens: Token[] }[];
    };

function parsePrompt(file: string, text: string): ParsedPrompt {
  const hit = promptCache.get(file);
  if (hit && hit.text === text) return hit.parsed;
  const parsed = STRUCTURED.has(extname(file).toLowerCase())
    ? parseStructured(file, text)
    : parseText(file, text);
  promptCache.set(file, { text, parsed });
  return parsed;
}

function parseText(file: string, text: string): ParsedPrompt {
  let params: ModelParams = {};
  let body = text;
  let bodyLine = 1;
  const opening = /^---[ \t]*\n/.exec(text);
  if (opening) {
    const rest = text.slice(opening[0].length);
    const closing = /^(?:---|\.\.\.)[ \t]*$/m.exec(rest);
    if (!closing)
      throw new ConfigError(`front matter opened with '---' on line 1 is never closed`, { file, line: 1 });
    const yaml = rest.slice(0, closing.index);
    // Padding keeps the YAML parser's line numbers equal to the file's.
    const doc = parseYamlFast(`\n${yaml}`, file);
    params = validateModelParams(doc.value, doc, [], false);
    const afterClosing = rest.indexOf('\n', closing.index);
    body = afterClosing < 0 ? '' : rest.slice(afterClosing + 1);
    bodyLine = 1 + countLines(text.slice(0, text.length - body.length));
  }
  return {
    format: 'text',
    params,
    body: tokenize(body, { source: file, line: bodyLine, partials: true }, fileError(file)),
    bodyLine,
  };
}

function parseStructured(file: string, text: string): ParsedPrompt {
  const doc = parseYamlFast(text, file);
  const value = doc.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw doc.error([], 'expected a mapping: { messages: [{ role, content }], ...model parameters }');
  }
  const { messages, ...rest } = value as Record<string, unknown>;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw doc.error(['messages'], "expected 'messages': a non-empty list of { role, content }");
  }
  const lines = text.split('\n');
  const parsed = messages.map((m, i) => {
    if (!m || typeof m !== 'object' || Array.isArray(m))
      throw doc.error(['messages', i], 'expected { role, content }');
    const { role, content, name, ...extra } = m as Record<string, unknown>;
    const unknownKey = Object.keys(extra)[0];
    if (unknownKey)
      throw doc.error(
        ['messages', i, unknownKey],
        `unknown message field '${unknownKey}'; expected role, content, name`,
      );
    if (typeof role !== 'string' || !ROLES.includes(role as ChatRole)) {
      throw doc.error(['messages', i, 'role'], `expected role to be one of: ${ROLES.join(', ')}`);
    }
    if (typeof content !== 'string')
      throw doc.error(['messages', i, 'content'], 'expected content to be a string');
    if (name !== undefined && typeof name !== 'string')
      throw doc.error(['messages', i, 'name'], 'expected name to be a string');
    const line = contentLine(doc, lines, ['messages', i, 'content']);
    return {
      role: role as ChatRole,
      ...(name !== undefined && { name }),
      tokens: tokenize(content, { source: file, line, partials: true }, fileError(file)),
    };
  });
  return { format: 'structured', params: validateModelParams(rest, doc, [], false), messages: parsed };
}

/** A block scalar (`content: |`) starts on the line after its indicator. */
function contentLine(doc: PositionedDocument, lines: string[], path: (string | number)[]): number {
  const { line, column } = doc.locate(path);
  const indicator = lines[line - 1]?.[column - 1];
  return indicator === '|' || indicator === '>' ? line + 1 : line;
}

// ---------------------------------------------------------------- linking

interface Linker {
  includes: string[];
  variables: string[];
  read?: TemplateReader;
}

/** Inlines partials recursively; `stack` is the chain of files being expanded, for cycle errors. */
function link(tokens: Token[], stack: string[], linker: Linker, displayRoot: string | undefined): Piece[] {
  const out: Piece[] = [];
  for (const token of tokens) {
    if (typeof token === 'string') out.push(token);
    else if (token.kind === 'var') {
      out.push(token);
      if (!linker.variables.includes(token.name)) linker.variables.push(token.name);
    } else {
      const at = { file: token.source, line: token.line };
      if (stack.includes(token.file)) {
        const chain = [...stack.slice(stack.indexOf(token.file)), token.file].map((f) =>
          display(f, displayRoot),
        );
        throw new ConfigError(`include cycle: ${chain.join(' -> ')}`, at);
      }
      let text: string;
      if (linker.read) {
        const found = linker.read(token.file);
        if (found === undefined) throw new ConfigError(`partial not found: ${token.spec}`, at);
        text = templateText(found);
      } else {
        try {
          if (!statSync(token.file).isFile())
            throw new ConfigError(`partial is not a file: ${token.spec}`, at);
          text = readTemplateFile(token.file);
        } catch (e) {
          if (e instanceof ConfigError) throw e;
          throw new ConfigError(`partial not found: ${token.spec}`, at);
        }
      }
      if (!linker.includes.includes(token.file)) linker.includes.push(token.file);
      out.push(...link(partialTokens(token.file, text), [...stack, token.file], linker, displayRoot));
    }
  }
  return merge(out);
}

function merge(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const last = out.length - 1;
    if (typeof piece === 'string' && typeof out[last] === 'string') out[last] = (out[last] as string) + piece;
    else if (piece !== '') out.push(piece);
  }
  return out;
}

function trim(pieces: Piece[]): Piece[] {
  const out = merge(pieces);
  if (typeof out[0] === 'string') out[0] = out[0].trimStart();
  const last = out.length - 1;
  if (typeof out[last] === 'string') out[last] = (out[last] as string).trimEnd();
  return out.filter((p) => p !== '');
}

/**
 * Splits a linked body into messages at marker lines. A marker must be a whole line of
 * template text: a line that also holds a variable is content.
 */
function splitRoles(pieces: Piece[], file: string, bodyLine: number): { role: ChatRole; pieces: Piece[] }[] {
  const lines: Piece[][] = [[]];
  for (const piece of pieces) {
    if (typeof piece !== 'string') {
      lines[lines.length - 1]!.push(piece);
      continue;
    }
    const parts = piece.split('\n');
    lines[lines.length - 1]!.push(parts[0]!);
    for (let i = 1; i < parts.length; i++) lines.push([parts[i]!]);
  }
  const sections: { role: ChatRole | undefined; lines: Piece[][] }[] = [{ role: undefined, lines: [] }];
  for (const line of lines) {
    const marker = line.every((p) => typeof p === 'string') ? MARKER.exec(line.join('')) : null;
    if (marker) sections.push({ role: marker[1]!.toLowerCase() as ChatRole, lines: [] });
    else sections[sections.length - 1]!.lines.push(line);
  }
  const joined = sections.map((s) => ({
    role: s.role,
    pieces: trim(s.lines.flatMap((line, i) => (i === 0 ? line : ['\n', ...line]))),
  }));
  const preamble = joined[0]!;
  if (sections.length === 1)
    return preamble.pieces.length > 0 ? [{ role: 'user', pieces: preamble.pieces }] : [];
  if (preamble.pieces.length > 0) {
    const first = sections[0]!.lines.findIndex((l) =>
      l.some((p) => typeof p !== 'string' || p.trim() !== ''),
    );
    const text = preamble.pieces.map((p) => (typeof p === 'string' ? p : `{{ ${p.name} }}`)).join('');
    throw new ConfigError(
      `text before the first role marker ([system], [user], [assistant]): "${text.split('\n')[0]}"`,
      {
        file,
        line: bodyLine + Math.max(0, first),
      },
    );
  }
  return joined.slice(1).flatMap((s) => (s.pieces.length > 0 ? [{ role: s.role!, pieces: s.pieces }] : []));
}

// ---------------------------------------------------------------- rendering

function display(file: string, root: string | undefined): string {
  if (!root || !isAbsolute(file)) return file;
  const rel = relative(root, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
}

function missingVariable(ref: VarRef, root: string | undefined): ConfigError {
  const where = ref.line > 0 ? `${display(ref.source, root)}:${ref.line}` : ref.source;
  // No line: the loader then points at the case that lacks the variable, which is what to fix.
  return new ConfigError(
    `missing variable '${ref.name}' used in ${where}`,
    ref.line > 0 ? { file: ref.source } : undefined,
  );
}

function lookup(vars: Record<string, unknown>, ref: VarRef, root: string | undefined): unknown {
  const value =
    ref.path.length === 1 && Object.prototype.hasOwnProperty.call(vars, ref.path[0]!)
      ? vars[ref.path[0] as string]
      : getPath(vars, ref.path);
  if (value === undefined) throw missingVariable(ref, root);
  return value;
}

/** Strings go in as they are; anything else as JSON, so a list var shows as a list, not `a,b`. */
function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function renderPieces(
  pieces: Piece[],
  vars: Record<string, unknown>,
  root: string | undefined,
  escape?: (text: string) => string,
): string {
  if (pieces.length === 1 && typeof pieces[0] === 'string') return pieces[0];
  let out = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') out += piece;
    else {
      const text = stringify(lookup(vars, piece, root));
      out += escape ? escape(text) : text;
    }
  }
  return out;
}

// ---------------------------------------------------------------- public API

/**
 * Loads, parses and links a prompt template. Every problem in the template itself (syntax,
 * missing or cyclic partials, unknown model parameters) is a ConfigError with file and line,
 * thrown here rather than on the first case. `displayRoot` shortens paths in messages; `read`
 * replaces the disk (the template and its partials) with other content.
 */
export function loadPrompt(
  file: string,
  options: { displayRoot?: string; read?: TemplateReader } = {},
): PromptTemplate {
  const abs = resolve(file);
  const root = options.displayRoot;
  let text: string | undefined;
  if (options.read) {
    const found = options.read(abs);
    if (found !== undefined) text = templateText(found);
  } else {
    try {
      text = readTemplateFile(abs);
    } catch {
      text = undefined;
    }
  }
  if (text === undefined)
    throw new ConfigError(`prompt file not found: ${display(abs, root)}`, { file: abs });
  const parsed = parsePrompt(abs, text);
  const linker: Linker = { includes: [], variables: [], ...(options.read && { read: options.read }) };
  let messages: { role: ChatRole; name?: string; pieces: Piece[] }[];
  if (parsed.format === 'text') {
    messages = splitRoles(link(parsed.body, [abs], linker, root), abs, parsed.bodyLine);
    if (messages.length === 0) throw new ConfigError('the prompt has no messages', { file: abs });
  } else {
    messages = parsed.messages.map((m) => ({
      role: m.role,
      ...(m.name !== undefined && { name: m.name }),
      pieces: link(m.tokens, [abs], linker, root),
    }));
  }
  // An imported sample's conversation (vars.messages) goes around the {{ input }} message
  // unless the prompt places `messages` itself (conversation.ts).
  const uses = (name: string) => (p: Piece) => typeof p !== 'string' && p.path[0] === name;
  const inputAt = messages.findIndex((m) => m.pieces.some(uses('input')));
  const splice = inputAt >= 0 && !messages.some((m) => m.pieces.some(uses('messages')));
  return {
    file: abs,
    params: parsed.params,
    includes: linker.includes,
    variables: linker.variables,
    render(vars) {
      const rendered = messages.map((m) => {
        const message: ChatMessage = { role: m.role, content: renderPieces(m.pieces, vars, root) };
        if (m.name !== undefined) message.name = m.name;
        return message;
      });
      return splice ? spliceConversation(rendered, vars, { inputAt }) : rendered;
    },
  };
}

/**
 * An openai target's request body for a case: the model file's parameters, overridden by the
 * prompt's front matter, and the rendered messages. The runner sends it; the plan renders base
 * and head with it too, so the plan and the response cache agree on what changed.
 */
export function chatRequest(
  modelConfig: ModelConfig,
  prompt: PromptTemplate,
): { model: string; body(vars: Record<string, unknown>): Record<string, unknown> } {
  const { model, ...params } = { ...modelConfig, ...prompt.params };
  return { model, body: (vars) => ({ model, messages: prompt.render(vars), ...params }) };
}

/**
 * Compiles a template string from config (an http target's url, headers or body). Partials are
 * not allowed here: they would be files change detection cannot see. Throws Error with a
 * message only; the caller knows the field to report.
 */
export function compileString(text: string, label: string): StringTemplate {
  const tokens = tokenize(
    text,
    { source: label, line: 0, partials: false },
    (message) => new Error(message),
  ) as Piece[];
  const variables = [...new Set(tokens.flatMap((t) => (typeof t === 'string' ? [] : [t.name])))];
  const single =
    tokens.length === 1 && typeof tokens[0] !== 'string' && /^\{\{[^}]*\}\}$/.test(text)
      ? tokens[0]
      : undefined;
  return {
    variables,
    whole: single !== undefined,
    render: (vars, escape) => renderPieces(tokens, vars, undefined, escape),
    value: (vars) => (single ? lookup(vars, single, undefined) : renderPieces(tokens, vars, undefined)),
  };
}

/**
 * Compiles a JSON value whose strings are templates. A string that is exactly `"{{ var }}"`
 * takes the variable's value with its JSON type (a list stays a list); other strings
 * interpolate. Static parts are returned as they are, without copying, per case.
 */
export function compileJson(
  value: unknown,
  label: string,
  fail: (path: (string | number)[], message: string) => Error,
  path: (string | number)[] = [],
): (vars: Record<string, unknown>) => unknown {
  if (typeof value === 'string') {
    let template: StringTemplate;
    try {
      template = compileString(value, path.length > 0 ? `${label}${formatSuffix(path)}` : label);
    } catch (e) {
      throw fail(path, (e as Error).message);
    }
    if (template.variables.length === 0) return () => value;
    return template.whole ? (vars) => template.value(vars) : (vars) => template.render(vars);
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileJson(item, label, fail, [...path, i]));
    return (vars) => items.map((item) => item(vars));
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([k, v]) => [k, compileJson(v, label, fail, [...path, k])] as const,
    );
    return (vars) => {
      const out: Record<string, unknown> = {};
      for (const [k, render] of entries) out[k] = render(vars);
      return out;
    };
  }
  return () => value;
}

function formatSuffix(path: (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}

/**
 * Every partial file reachable from `file`, as absolute paths, in first-include order; for
 * change detection, so editing a shared partial re-runs the suites whose prompts include it.
 * Lenient on purpose: it reads whatever is on disk and never throws (validation reports
 * broken templates). Partials that do not exist yet are listed, so adding one counts as a
 * change, but not followed.
 */
export function templateIncludes(file: string): string[] {
  const root = resolve(file);
  const found: string[] = [];
  const visit = (current: string) => {
    let text: string;
    try {
      text = readTemplateFile(current);
    } catch {
      return;
    }
    for (const spec of partialReferences(text)) {
      const target = resolve(dirname(current), spec);
      if (target === root || found.includes(target)) continue;
      found.push(target);
      if (existsSync(target)) visit(target);
    }
  };
  visit(root);
  return found;
}

/**
 * The partial paths a template's text includes, as written (relative to that file), by the
 * same rules the loader uses; for callers that hold content rather than files (the plan
 * stage reads the base revision from git).
 */
export function partialReferences(text: string): string[] {
  const specs: string[] = [];
  for (const match of text.matchAll(/(?<!\\)\{\{(\s*>[^}]*?)\}\}/g)) {
    const spec = partialPath(match[1]!.trim());
    if (spec && !specs.includes(spec)) specs.push(spec);
  }
  return specs;
}
