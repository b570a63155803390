/**
 * Making untrusted text safe to drop into GitHub-flavoured markdown.
 *
 * Model outputs, grader reasons, case ids and anything else that came from a run or a
 * dataset end up in PR comments, where markdown would let them ping people (@mentions),
 * cross-reference issues (#123), load remote images (tracking pixels), render raw HTML,
 * add headings, break out of a table cell or close a code fence. Every such string goes
 * through one of the functions here; our own markup is added around the result.
 *
 * The same text also reaches a terminal and the GitHub Actions log (CLI errors quoting a
 * corrupt file, a case's output under a failure line), where the threats are different:
 *  - escape sequences (ESC, CSI) that recolour, clear or retitle the terminal, move the
 *    cursor to overwrite earlier lines, or (OSC 8/52) plant links and write the clipboard;
 *  - NUL, backspace and a lone carriage return, which hide or overwrite what precedes them;
 *  - bidi overrides, which make a line read differently from its bytes;
 *  - a line starting `::` that the Actions runner executes as a workflow command
 *    (`::error::`, `::add-mask::`, `::stop-commands::`), and the older `##[command]` form,
 *    which the runner looks for anywhere in a line;
 *  - sheer size: a 50 MB line in a log. terminalText() answers all of these.
 */

export interface EscapeOptions {
  /** Longest result in characters (code points), before escaping; longer text is cut with an ellipsis. */
  maxLength?: number;
}

const ZWJ = '\u200d';
const ZWSP = '\u200b';

/**
 * One line of inert markdown text:
 *  - control characters and bidi overrides removed, all whitespace (newlines included)
 *    collapsed to single spaces, so nothing can start a heading, list, quote or fence;
 *  - cut to maxLength (default 200) code points;
 *  - @mentions, #123 references and bare URLs / www. autolinks broken with a zero-width
 *    character (the text still reads the same);
 *  - `&`, `<`, `>` turned into entities (no HTML, no entity tricks);
 *  - markdown punctuation backslash-escaped, `|` included, so links, images, emphasis,
 *    code spans and table cells cannot be opened or closed.
 */
export function escapeMarkdown(text: unknown, options: EscapeOptions = {}): string {
  const maxLength = options.maxLength ?? 200;
  let s = oneLine(text);
  s = truncate(s, maxLength);
  s = defuseLinks(s);
  s = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  s = s.replace(/[\\`*_{}[\]()#+!|~$]/g, '\\$&');
  // At the start of a line these would begin a list or a thematic break.
  s = s.replace(/^([-=])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
  return s;
}

/**
 * Untrusted text as an inline code span: shown verbatim, never interpreted (code spans do
 * not render HTML, mentions or links). The fence is one backtick longer than any run inside.
 * In a table cell pass `table: true`: GFM splits cells on `|` before it reads code spans, so
 * text holding a pipe (or a backslash) falls back to escapeMarkdown there.
 */
export function inlineCode(text: unknown, options: EscapeOptions & { table?: boolean } = {}): string {
  const s = truncate(oneLine(text), options.maxLength ?? 200);
  if (s === '') return '` `';
  // A cell splitter reads `\\|` as an escaped backslash and then a delimiter; rather than
  // out-guess it, text with either character is escaped as plain text instead.
  if (options.table && /[|\\]/.test(s)) return escapeMarkdown(s, options);
  const fence = '`'.repeat(longestRun(s, '`') + 1);
  const shown = defuseHtmlComments(s);
  const pad =
    shown.startsWith('`') || shown.endsWith('`') || (shown.startsWith(' ') && shown.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/**
 * Untrusted multi-line text as a fenced code block whose fence no line of the text can
 * close: it is longer than the longest run of backticks anywhere in the text.
 */
export function codeBlock(text: unknown, options: EscapeOptions & { language?: string } = {}): string {
  let s = stripControls(String(text ?? '')).replace(/\r\n?/g, '\n');
  const max = options.maxLength ?? 4000;
  s = defuseHtmlComments(truncate(s, max));
  const fence = '`'.repeat(Math.max(3, longestRun(s, '`') + 1));
  const language = (options.language ?? '').replace(/[^\w+.-]/g, '');
  return `${fence}${language}\n${s}\n${fence}`;
}

/**
 * Untrusted text inside our own HTML (a `<summary>`), where markdown is not read but
 * GitHub still links mentions and references in the rendered text: one line, cut to
 * maxLength (default 200) code points, mentions and autolinks broken as in escapeMarkdown,
 * `&`, `<`, `>`, quotes and markdown punctuation as numeric entities, so no tag, attribute,
 * link, image or code span can open.
 */
export function htmlText(text: unknown, options: EscapeOptions = {}): string {
  const s = defuseLinks(truncate(oneLine(text), options.maxLength ?? 200));
  // Markdown punctuation too: should the text ever land outside an HTML block, it stays text.
  return s.replace(/[&<>"'[\]()!`*_~|#\\]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Untrusted multi-line text (a model's output) as a markdown blockquote that wraps as prose
 * does, where a fenced block would scroll sideways: each line made inert by escapeMarkdown,
 * kept as its own line by a hard break, blank lines as paragraph breaks; cut to maxLength
 * (default 1500) code points first. Leading indentation is not kept.
 */
export function quoteText(text: unknown, options: EscapeOptions = {}): string {
  const s = truncate(stripControls(String(text ?? '')).replace(/\r\n?/g, '\n'), options.maxLength ?? 1500);
  const paragraphs: string[][] = [[]];
  for (const raw of s.split('\n')) {
    const line = escapeMarkdown(raw, { maxLength: Number.MAX_SAFE_INTEGER });
    if (line === '') {
      if (paragraphs.at(-1)!.length) paragraphs.push([]);
    } else paragraphs.at(-1)!.push(line);
  }
  const kept = paragraphs.filter((p) => p.length);
  if (kept.length === 0) return '> _(empty)_';
  return kept.map((p) => p.map((l) => `> ${l}`).join('\\\n')).join('\n>\n');
}

/**
 * Untrusted text for a plain-text surface (a check-run title or annotation, a log line):
 * one line, no control characters or bidi overrides, at most maxLength (default 200) code
 * points. No markdown escaping, since nothing there renders markdown.
 */
export function plainText(text: unknown, options: EscapeOptions = {}): string {
  return truncate(oneLine(text), options.maxLength ?? 200);
}

/**
 * Untrusted text for a terminal or the Actions log, keeping its line breaks:
 *  - control characters other than newline and tab (C0, DEL, C1) and bidi overrides are
 *    shown as visible escapes (`\x1b`, `\x00`, `\r`, `\u202e`) rather than dropped, so a
 *    user reading an error about a corrupt file sees what is in it; CRLF becomes a newline;
 *  - a line whose first non-blank characters are `::` gets a zero-width space before them,
 *    and every `##[` becomes `##\u200b[`: the runner's command parser no longer matches,
 *    and the text reads the same;
 *  - cut to maxLength (default 2000) code points, with `… (N more characters)`.
 * `oneLine: true` also turns newlines and tabs into spaces, for an excerpt on one line.
 */
export function terminalText(text: unknown, options: EscapeOptions & { oneLine?: boolean } = {}): string {
  let s = String(text ?? '').replace(/\r\n/g, '\n');
  if (options.oneLine) s = s.replace(/[\n\t]+/g, ' ');
  const max = options.maxLength ?? 2000;
  const chars = Array.from(s);
  const over = chars.length - max;
  if (over > 0) s = `${chars.slice(0, max).join('')}… (${over} more characters)`;
  s = s.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      if (c === '\r') return '\\r';
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
    },
  );
  return s.replace(/^([ \t]*)::/gm, `$1${ZWSP}::`).replace(/##\[/g, `##${ZWSP}[`);
}

/**
 * Code spans and blocks show text verbatim, but a finder that searches a comment for its
 * hidden `<!-- ... -->` marker reads raw bytes: a zero-width space keeps quoted text from
 * ever containing a comment delimiter, and so from passing for a marker.
 */
function defuseHtmlComments(s: string): string {
  return s.replace(/<!--/g, `<!${ZWSP}--`).replace(/--(!?)>/g, `-${ZWSP}-$1>`);
}

function oneLine(text: unknown): string {
  return stripControls(String(text ?? ''))
    .replace(/\s+/gu, ' ')
    .trim();
}

/** C0/C1 controls other than whitespace, and the bidi overrides that can make text read backwards. */
function stripControls(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}

function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

function defuseLinks(s: string): string {
  return (
    s
      // @user, @org/team (and email addresses, which GitHub also autolinks).
      .replace(/@(?=[A-Za-z0-9_])/g, `@${ZWJ}`)
      // #123 and GH-123 issue references.
      .replace(/#(?=\d)/g, `#${ZWJ}`)
      .replace(/\b(GH)-(?=\d)/gi, `$1-${ZWJ}`)
      // scheme://… and www.… autolinks.
      .replace(/:\/\//g, `:${ZWSP}//`)
      .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
  );
}

function longestRun(s: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (const c of s) {
    run = c === ch ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

// XML 1.0 allows tab, newline, carriage return and the code points from U+0020 on, except
// the surrogates and U+FFFE/U+FFFF; anything else makes the whole file unreadable.
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Untrusted text as XML character data (JUnit reports): first made safe for the terminals
 * and logs a report's text is shown in (terminalText: control characters as visible escapes,
 * workflow commands defused, cut to maxLength), then `&`, `<`, `>` as entities, and any
 * character XML 1.0 cannot hold (a lone surrogate) as `\uXXXX`.
 */
export function xmlText(text: unknown, options: EscapeOptions = {}): string {
  return terminalText(text, options)
    .replace(XML_INVALID, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Untrusted text as a double-quoted XML attribute value: one line, as xmlText, quotes as entities. */
export function xmlAttribute(text: unknown, options: EscapeOptions = {}): string {
  return xmlText(terminalText(text, { ...options, oneLine: true }), { maxLength: Number.MAX_SAFE_INTEGER })
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;');
}
