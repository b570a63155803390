import { describe, expect, it } from 'vitest';
import { createRng } from '../compare/stats/rng.js';
import {
  codeBlock,
  escapeMarkdown,
  htmlText,
  inlineCode,
  plainText,
  quoteText,
  terminalText,
} from './escape.js';

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

describe('terminalText', () => {
  it('shows control characters as visible escapes, keeping newlines and tabs', () => {
    expect(terminalText('a\x1b[31mred\x00\x07\tb\nc\r\nd\re\x9b\u202eX')).toBe(
      'a\\x1b[31mred\\x00\\x07\tb\nc\nd\\re\\x9b\\u202eX',
    );
  });

  it('neutralizes workflow commands at the start of any line, and ##[ anywhere', () => {
    const s = terminalText('::error::owned\nok ::not-a-command::\n  ::add-mask::x\nsee ##[error]y');
    expect(s.split('\n')).toEqual([
      '\u200b::error::owned',
      'ok ::not-a-command::',
      '  \u200b::add-mask::x',
      'see ##\u200b[error]y',
    ]);
    // What the runner looks for (a trimmed line starting with ::, or ##[ anywhere) is gone.
    for (const line of s.split('\n')) {
      expect(line.trim().startsWith('::')).toBe(false);
      expect(line).not.toContain('##[');
    }
  });

  it('puts an excerpt on one line and bounds its length', () => {
    expect(terminalText('a\n\n::error::b\tc', { oneLine: true })).toBe('a ::error::b c');
    expect(terminalText('x'.repeat(10), { maxLength: 4 })).toBe('xxxx… (6 more characters)');
    expect(Array.from(terminalText('é'.repeat(5000))).length).toBeLessThan(2100);
  });

  it('leaves nothing a terminal interprets, whatever the input (fuzz, fixed seed)', () => {
    const rng = createRng(7);
    for (let n = 0; n < 300; n++) {
      let s = '';
      for (let i = 0; i < 40; i++) s += String.fromCharCode(rng.int(0xa0));
      if (rng.next() < 0.3) s = `::error::${s}`;
      const out = terminalText(s);
      // eslint-disable-next-line no-control-regex -- the point of the test
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      for (const line of out.split('\n')) expect(line.trim().startsWith('::')).toBe(false);
    }
  });
});

describe('htmlText', () => {
  it('keeps tags, attributes, links, code spans and mentions from opening inside our HTML', () => {
    const out = htmlText(
      '</summary><img src=x onerror="a"> ![x](https://e/p.png) `c` @octocat #12 a&b\nline',
    );
    expect(out).not.toMatch(/[<>"'[\]()`!]/);
    expect(out).toContain('&#60;/summary&#62;&#60;img src=x onerror=&#34;a&#34;&#62;');
    expect(out).toContain(`@${ZWJ}octocat`);
    expect(out).toContain(`&#35;${ZWJ}12`);
    expect(out).toContain('a&#38;b line');
    expect(out).not.toContain('://');
  });

  it('cuts to maxLength code points', () => {
    expect(htmlText('🙂'.repeat(10), { maxLength: 4 })).toBe('🙂🙂🙂…');
  });
});

describe('quoteText', () => {
  it('quotes each line inert, joined by hard breaks; blank lines become paragraph breaks', () => {
    expect(quoteText('# title\n- item\n\n\n```\n</details> @all')).toBe(
      `> \\# title\\\n> \\- item\n>\n> \\\`\\\`\\\`\\\n> &lt;/details&gt; @${ZWJ}all`,
    );
  });

  it('keeps a long unbroken line as one line (it wraps as prose does), cut to maxLength', () => {
    const out = quoteText('x'.repeat(5000), { maxLength: 100 });
    expect(out).toBe(`> ${'x'.repeat(99)}…`);
  });

  it('says when there is nothing to quote', () => {
    expect(quoteText('\n \n')).toBe('> _(empty)_');
  });
});
