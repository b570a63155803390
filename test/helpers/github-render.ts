import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import rehypeRaw from 'rehype-raw';
import rehypeSanitize from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { tempDir } from './tmp.js';

/**
 * A PR comment as GitHub shows it, in a real browser, for the layout tests:
 *
 *   markdown → HTML   GFM (remark-gfm: tables, strikethrough, autolinks, task lists), raw
 *                     HTML kept (<details>, <sub>) as GitHub keeps it
 *   sanitizer         rehype-sanitize's default schema, which is GitHub's (hast-util-sanitize
 *                     documents it as "GitHub's schema"): scripts, styles, event handlers,
 *                     classes and unknown tags removed
 *   stylesheet        github-markdown-css (light), GitHub's own markdown styles
 *   column            a `.markdown-body` 780 px wide: the comment column of a PR timeline
 *
 * Chromium is Debian's package at /usr/bin/chromium, driven by playwright-core (which
 * downloads nothing). One browser for a whole test file: `openGitHubPage()` once, then
 * `show(markdown)` per document.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const COLUMN_PX = 780;
/** What a reader sees without scrolling in a typical laptop browser window, under GitHub's header. */
export const FIRST_SCREEN_PX = 900;

const require = createRequire(import.meta.url);
const STYLESHEET = readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');

/** GFM to sanitized HTML, the way github.com renders a comment body (without mentions and emoji shortcodes). */
export async function githubHtml(markdown: string): Promise<string> {
  const file = await unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkRehype, { allowDangerousHtml: true })
    .use(rehypeRaw)
    .use(rehypeSanitize)
    .use(rehypeStringify)
    .process(markdown);
  return String(file);
}

export function githubPage(bodyHtml: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${STYLESHEET}</style>
<style>
  body { margin: 0; background: #fff; }
  .markdown-body { box-sizing: border-box; width: ${COLUMN_PX}px; margin: 0; padding: 0; }
</style></head><body><article class="markdown-body">${bodyHtml}</article></body></html>`;
}

export interface GitHubBrowser {
  page: Page;
  /** Renders one markdown document in the column, replacing the last. */
  show(markdown: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile (removed by close()); every network request is
 * refused, so nothing a comment holds can load. Throws, never skips, when Chromium is not
 * installed: a layout test that quietly does not run would pass any comment.
 */
export async function openGitHubPage(): Promise<GitHubBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the comment layout test renders the comment in Debian's Chromium. Install it with \`apt-get install -y chromium\`.`,
    );
  const profile = tempDir('evalgate-chromium-');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1200, height: FIRST_SCREEN_PX },
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  await context.route('**/*', (route) => route.abort());
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    async show(markdown: string) {
      await page.setContent(githubPage(await githubHtml(markdown)), { waitUntil: 'load' });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

// The measuring runs in the page (page.evaluate serialises it): the browser's globals, which
// this Node project's type library does not describe.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
type El = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface LayoutProblems {
  /** Elements wider than their box (they scroll or spill sideways), as `tag.class: scrollWidth > clientWidth`. */
  overflow: string[];
  /** Short table cells (a value, a verdict) that broke over lines. */
  wrapped: string[];
  /** What the first screen lacks: the verdict, the why, the next step. */
  firstScreen: string[];
}

/**
 * What the layout test holds every comment to, measured in the page:
 *  - nothing overflows the column: neither the column itself nor any element in it is
 *    wider than its box (a table GitHub makes scrollable counts: its right side is hidden).
 *    The one exception is a ```mermaid block, which GitHub replaces with a chart sized to
 *    the column; ordinary code blocks get no exception (the comment quotes outputs in
 *    wrapping blockquotes, not in fences that scroll);
 *  - a table cell of at most 40 characters (a value with its unit, `93.4% → 82.0%`, a
 *    verdict with its icon) is on one line;
 *  - the first FIRST_SCREEN_PX pixels hold the verdict headline, the "Why:" line and the
 *    "Next step:" line, all of it, with a runnable `npx evalgate` command when it failed.
 * The first screen is measured with every <details> closed, as a reader first sees it;
 * overflow and wrapping with every <details> open, so folded content is held to it too.
 */
export async function layoutProblems(page: Page): Promise<LayoutProblems> {
  const firstScreen = await page.evaluate((limit) => {
    const problems: string[] = [];
    const body = document.querySelector('.markdown-body')!;
    const top = body.getBoundingClientRect().top;
    const within = (el: El) => el && el.getBoundingClientRect().bottom - top <= limit;
    const heading = [...body.querySelectorAll('h1, h2')].find((h: El) =>
      /evalgate: /.test(h.textContent ?? ''),
    );
    const verdict = /evalgate: (pass|warn|inconclusive|fail|error)\b/.exec(heading?.textContent ?? '')?.[1];
    if (!heading || !verdict) problems.push('no verdict headline');
    else if (!within(heading)) problems.push('the verdict headline is below the first screen');
    const para = (label: string) =>
      [...body.querySelectorAll('p')].find((p) => p.textContent?.startsWith(label));
    const why = para('Why:');
    if (!why) problems.push('no "Why:" line');
    else if (!within(why)) problems.push('the "Why:" line is below the first screen');
    const next = para('Next step:');
    if (!next) problems.push('no "Next step:" line');
    else {
      if (!within(next)) problems.push('the "Next step:" line is below the first screen');
      const command = [...next.querySelectorAll('code')].some((c: El) =>
        c.textContent?.startsWith('npx evalgate '),
      );
      if ((verdict === 'fail' || verdict === 'error') && !command)
        problems.push('the next step of a failing verdict names no `npx evalgate` command');
    }
    return problems;
  }, FIRST_SCREEN_PX);

  await page.evaluate(() =>
    document.querySelectorAll('details').forEach((d: El) => d.setAttribute('open', '')),
  );

  const { overflow, wrapped } = await page.evaluate(() => {
    const body = document.querySelector('.markdown-body');
    const name = (el: El) => {
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
      return `<${el.tagName.toLowerCase()}${el.className ? ` class="${String(el.className)}"` : ''}> "${text}"`;
    };
    const overflow: string[] = [];
    if (document.scrollingElement!.scrollWidth > window.innerWidth)
      overflow.push(`the page: ${document.scrollingElement!.scrollWidth} > ${window.innerWidth}`);
    for (const el of [body, ...body.querySelectorAll('*')]) {
      if (el.clientWidth === 0) continue;
      if (el.closest('pre')?.querySelector('code.language-mermaid')) continue;
      if (el.scrollWidth > el.clientWidth + 1)
        overflow.push(`${name(el)}: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    const right = body.getBoundingClientRect().right;
    for (const el of body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > right + 1 && !el.closest('table, pre'))
        overflow.push(
          `${name(el)} ends at ${Math.round(r.right)} px, past the column's ${Math.round(right)}`,
        );
    }
    const wrapped: string[] = [];
    for (const cell of body.querySelectorAll('td, th')) {
      const text = (cell.textContent ?? '').trim();
      if (text === '' || [...text].length > 40) continue;
      const range = document.createRange();
      range.selectNodeContents(cell);
      const tops = new Set(
        [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
      );
      // Glyphs of one line differ by a pixel or two in top (emoji, code); lines by a line height.
      const lines = [...tops].sort((a, b) => a - b).filter((t, i, all) => i === 0 || t - all[i - 1]! > 8);
      if (lines.length > 1) wrapped.push(`${name(cell)} takes ${lines.length} lines`);
    }
    return { overflow, wrapped };
  });
  return { overflow, wrapped, firstScreen };
}
