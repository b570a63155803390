import { describe, expect, it } from 'vitest';
import { createRng } from '../compare/stats/rng.js';
import { codeBlock, escapeMarkdown, inlineCode, plainText } from './escape.js';

const ZWJ = '\u200d';
const ZWSP = '\u200b';

describe('escapeMarkdown', () => {
  it('turns HTML into text', () => {
    expect(escapeMarkdown('<img src=x onerror=alert(1)> & <b>')).toBe(
      '&lt;img src=x onerror=alert\\(1\\)&gt; &amp; &lt;b&gt;',
    );
  });

  it('breaks @mentions, team mentions, issue references and emails', () => {
    const out = escapeMarkdown('ping @octocat and @github/security about #123 and GH-7, mail a@b.co');
    expect(out).not.toMatch(/@[A-Za-z0-9]/);
    expect(out).not.toMatch(/#\d/);
    expect(out).toContain(`@${ZWJ}octocat`);
    expect(out).toContain(`\\#${ZWJ}123`);
    expect(out).toContain(`GH-${ZWJ}7`);
  });

  it('neutralises images and links to remote content', () => {
    const out = escapeMarkdown(
      '![pixel](https://evil.example/p.png) [click](http://x.test) www.evil.example',
    );
    expect(out).toBe(
      `\\!\\[pixel\\]\\(https:${ZWSP}//evil.example/p.png\\) \\[click\\]\\(http:${ZWSP}//x.test\\) www${ZWSP}.evil.example`,
    );
    expect(out).not.toContain('://');
    expect(out).not.toMatch(/(^|[^\\])[[\]()]/);
  });

  it('collapses newlines so nothing can start a heading, list, quote or fence', () => {
    expect(escapeMarkdown('ok\n# Heading\r\n```\n> quote\n\n- item')).toBe(
      'ok \\# Heading \\`\\`\\` &gt; quote - item',
    );
    expect(escapeMarkdown('- item')).toBe('\\- item');
    expect(escapeMarkdown('1. item')).toBe('1\\. item');
    expect(escapeMarkdown('=====')).toBe('\\=====');
  });

  it('escapes pipes so a table cell cannot be closed', () => {
    expect(escapeMarkdown('a | b \\| c')).toBe('a \\| b \\\\\\| c');
  });

  it('truncates long values by code point, before escaping', () => {
    expect(escapeMarkdown('x'.repeat(300))).toBe(`${'x'.repeat(199)}…`);
    expect(escapeMarkdown('😀'.repeat(10), { maxLength: 5 })).toBe('😀😀😀😀…');
    expect(escapeMarkdown('<<<<<<', { maxLength: 4 })).toBe('&lt;&lt;&lt;…');
  });

  it('drops control characters and bidi overrides', () => {
    expect(escapeMarkdown('safe\u202e\u0007txt')).toBe('safetxt');
  });

  it('holds its guarantees on random hostile text (seeded)', () => {
    const rng = createRng(99);
    const alphabet = [
      '<',
      '>',
      '&',
      '|',
      '`',
      '\n',
      '#',
      '@',
      'a',
      '1',
      '!',
      '[',
      ']',
      '(',
      ')',
      ':',
      '/',
      '\\',
      '*',
      '_',
      ' ',
      '-',
      'w',
      '.',
      '\u202e',
    ];
    for (let t = 0; t < 500; t++) {
      const text = Array.from({ length: 1 + rng.int(60) }, () => alphabet[rng.int(alphabet.length)]).join('');
      const out = escapeMarkdown(text);
      expect(out).not.toMatch(/[\n\r<>\u202e]/);
      // Every markdown metacharacter is preceded by an escaping backslash.
      const unescaped = out.replace(/\\./g, '');
      expect(unescaped).not.toMatch(/[|`#!*_[\]()\\]/);
      expect(out).not.toMatch(/@[A-Za-z0-9_]/);
      expect(out).not.toContain('://');
    }
  });
});

describe('inlineCode', () => {
  it('shows text verbatim with a fence longer than any backtick run', () => {
    expect(inlineCode('case-1')).toBe('`case-1`');
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('`x`')).toBe('`` `x` ``');
    expect(inlineCode('two\nlines')).toBe('`two lines`');
  });

  it('falls back to escaped text in a table cell when the text holds a pipe or backslash', () => {
    expect(inlineCode('a|b', { table: true })).toBe('a\\|b');
    expect(inlineCode('a\\|b', { table: true })).toBe('a\\\\\\|b');
    expect(inlineCode('plain', { table: true })).toBe('`plain`');
  });
});

describe('codeBlock', () => {
  it('uses a fence the content cannot close', () => {
    expect(codeBlock('x\n```\n# not a heading')).toBe('````\nx\n```\n# not a heading\n````');
    expect(codeBlock('`````', { language: 'json' })).toBe('``````json\n`````\n``````');
    expect(codeBlock('a', { language: 'js" onload=x' })).toBe('```jsonloadx\na\n```');
  });
});

describe('HTML comment delimiters in code', () => {
  it('cannot pass for a hidden marker, inline or in a block', () => {
    expect(inlineCode('<!-- evalgate:comment key=x -->')).toBe(
      `\`<!${ZWSP}-- evalgate:comment key=x -${ZWSP}->\``,
    );
    expect(codeBlock('a <!-- b --!> c')).toBe(`\`\`\`\na <!${ZWSP}-- b -${ZWSP}-!> c\n\`\`\``);
    expect(inlineCode('a-->b|<!--', { table: true })).not.toMatch(/<!--|-->/);
  });
});

describe('plainText', () => {
  it('is one line without controls, cut by code point, and otherwise unescaped', () => {
    expect(plainText('a\n\tb\u202e <b>@x</b> | `y`')).toBe('a b <b>@x</b> | `y`');
    expect(plainText('😀'.repeat(10), { maxLength: 5 })).toBe('😀😀😀😀…');
    expect(plainText(undefined)).toBe('');
  });
});
