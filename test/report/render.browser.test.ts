import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutProblems, openGitHubPage, type GitHubBrowser } from '../helpers/github-render.js';

/**
 * Every golden report (PR comments, step summary, the markdown the CLI prints), rendered as
 * GitHub renders a comment (GFM, GitHub's sanitizer and stylesheet, the 780 px column) in
 * Debian's Chromium: nothing may overflow sideways, short values may not wrap, and the first
 * screen must say the verdict, why, and what to do next. See test/helpers/github-render.ts.
 */
const GOLDEN = new URL('../../src/report/__golden__/', import.meta.url);
const goldens = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.md'))
  .sort();

describe('the report as GitHub shows it, at 780 px', () => {
  let browser: GitHubBrowser;
  beforeAll(async () => {
    browser = await openGitHubPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('finds every golden report', () => {
    expect(goldens).toEqual(expect.arrayContaining(['comment-regression.md', 'comment-huge.md', 'pass.md']));
  });

  it.each(goldens)(
    '%s: fits the column, keeps values on one line, says verdict, why and next step first',
    async (file) => {
      await browser.show(readFileSync(new URL(file, GOLDEN), 'utf8'));
      const headlines = await browser.page.locator('.markdown-body h2', { hasText: 'evalgate:' }).count();
      expect(headlines, 'exactly one verdict headline').toBe(1);
      expect(await layoutProblems(browser.page)).toEqual({ overflow: [], wrapped: [], firstScreen: [] });
    },
  );

  // The checks themselves: what issue 10 found in the old comment must be caught.
  it('catches a table wider than the column, a value broken over lines, and a buried verdict', async () => {
    const wide = `| ${Array.from({ length: 10 }, (_, i) => `column ${i}`).join(' | ')} |\n|${' --- |'.repeat(10)}\n| ${Array.from({ length: 10 }, () => '-21.6 pp to -2.8 pp').join(' | ')} |`;
    await browser.show(`${'filler paragraph\n\n'.repeat(40)}## ❌ evalgate: fail\n\n**Why:** x\n\n${wide}\n`);
    const found = await layoutProblems(browser.page);
    expect(found.overflow.some((p) => p.startsWith('<table>'))).toBe(true);
    expect(found.wrapped.some((p) => p.includes('-21.6 pp to -2.8 pp'))).toBe(true);
    expect(found.firstScreen).toEqual([
      'the verdict headline is below the first screen',
      'the "Why:" line is below the first screen',
      'no "Next step:" line',
    ]);
  });

  it('catches a fenced output whose long line scrolls sideways, and a failing verdict with no command', async () => {
    await browser.show(
      `## ❌ evalgate: fail\n\n**Why:** x\n\n**Next step:** look\n\n\`\`\`text\n${'x'.repeat(300)}\n\`\`\`\n`,
    );
    const found = await layoutProblems(browser.page);
    expect(found.overflow.some((p) => p.startsWith('<pre>'))).toBe(true);
    expect(found.firstScreen).toEqual(['the next step of a failing verdict names no `npx evalgate` command']);
  });
});
