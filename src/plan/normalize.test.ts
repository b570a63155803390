import { describe, expect, it } from 'vitest';
import {
  ABSENT,
  canonicalFile,
  canonicalRemainder,
  canonicalSlice,
  gitBlobId,
  parseFile,
  splitKeyPath,
  versionId,
} from './normalize.js';
import { scanPartials } from './partials.js';

const canon = (path: string, text: string | Buffer) =>
  canonicalFile(parseFile(path, 'blob-id', typeof text === 'string' ? Buffer.from(text) : text));

describe('normalization: equal meaning, equal canonical form', () => {
  it('YAML: whitespace, comments and key order do not count; values do', () => {
    const base = canon('m.yml', 'model: gpt-4o\ntemperature: 0.2\nstop: [a, b]\n');
    expect(
      canon('m.yml', '# tuned\nmodel:   gpt-4o   # the model\n\ntemperature: 0.2\nstop:\n  - a\n  - b\n\n'),
    ).toBe(base);
    expect(canon('m.yml', 'stop: [a, b]\ntemperature: 0.2\nmodel: gpt-4o\n')).toBe(base);
    expect(canon('m.yml', 'model: gpt-4o\ntemperature: 0.3\nstop: [a, b]\n')).not.toBe(base);
    // List order is meaning: stop sequences, tools, messages.
    expect(canon('m.yml', 'model: gpt-4o\ntemperature: 0.2\nstop: [b, a]\n')).not.toBe(base);
  });

  it('JSON: formatting and key order do not count', () => {
    expect(canon('m.json', '{"a":1,"b":{"c":[1,2]}}')).toBe(
      canon('m.json', '{\n  "b": { "c": [1, 2] },\n  "a": 1\n}\n'),
    );
  });

  it('JSON Lines: each line is its own JSON value', () => {
    expect(canon('d.jsonl', '{"a":1,"b":2}\n\n{"c":3}\n')).toBe(
      canon('d.jsonl', '{"b": 2, "a": 1}\n{"c": 3}'),
    );
    expect(canon('d.jsonl', '{"a":1}\n{"c":3}\n')).not.toBe(canon('d.jsonl', '{"c":3}\n{"a":1}\n'));
  });

  it('Markdown: front matter canonical, body with line endings and blank lines at the end normalised', () => {
    const base = canon('p.md', '---\nmodel: x\ntemperature: 0\n---\nHello.\n  Indented.\n');
    expect(
      canon('p.md', '---\ntemperature: 0 # cold\nmodel: x\n---\r\nHello.\r\n  Indented.\r\n\r\n\r\n'),
    ).toBe(base);
    // Spaces at the end of a line are sent: the runner keeps them, so they count.
    expect(canon('p.md', '---\nmodel: x\ntemperature: 0\n---\nHello.   \n  Indented.\n')).not.toBe(base);
    // Leading whitespace and inner blank lines can change how a model reads a prompt.
    expect(canon('p.md', '---\nmodel: x\ntemperature: 0\n---\nHello.\nIndented.\n')).not.toBe(base);
    expect(canon('p.md', '---\nmodel: x\ntemperature: 0\n---\nHello.\n\n  Indented.\n')).not.toBe(base);
  });

  it('binary content is never parsed: it is its blob id', () => {
    expect(canon('x.yml', Buffer.from([0x61, 0, 0x62]))).toBe('blob:blob-id');
  });

  it('a file that does not parse is compared as text rather than failing the plan', () => {
    expect(canon('broken.yml', 'a: [1, 2\n')).toBe(canon('broken.yml', 'a: [1, 2\r\n\n'));
    expect(canon('broken.json', '{"a":')).toBe(JSON.stringify({ body: '{"a":' }));
  });

  it('git blob ids match git hash-object', () => {
    // `printf 'hello\n' | git hash-object --stdin`
    expect(gitBlobId(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });
});

describe('key paths: slicing one file between components', () => {
  const app = parseFile(
    'app.yml',
    'id',
    Buffer.from('retrieval:\n  top_k: 5\n  embedding_model: small\nmodel: x\nlogging: { level: info }\n'),
  );

  it('a claim sees its subtree minus deeper claims; the remainder sees neither', () => {
    const claimed = ['retrieval', 'retrieval.embedding_model', 'model'].map(splitKeyPath);
    expect(canonicalSlice(app, ['retrieval'], [['embedding_model']])).toBe('{"top_k":5}');
    expect(canonicalSlice(app, ['retrieval', 'embedding_model'], [])).toBe('"small"');
    expect(canonicalRemainder(app, claimed)).toBe('{"logging":{"level":"info"}}');
    expect(canonicalSlice(app, ['nope'], [])).toBe(ABSENT);
  });

  it('front-matter keys slice the front matter and leave the body to the remainder', () => {
    const prompt = parseFile('p.md', 'id', Buffer.from('---\nmodel: x\nname: helper\n---\nBody\n'));
    expect(canonicalSlice(prompt, ['model'], [])).toBe('"x"');
    expect(canonicalRemainder(prompt, [['model']])).toBe('{"body":"Body","frontMatter":{"name":"helper"}}');
  });
});

describe('version ids', () => {
  it('are pinned: a change to how they are computed must be deliberate, as Results documents store them', () => {
    const parts = [['models/m.yml', '*', canon('models/m.yml', 'model: gpt-4o-mini\ntemperature: 0\n')]];
    // sha256('[["models/m.yml","*","{\"model\":\"gpt-4o-mini\",\"temperature\":0}"]]'), first 12 hex digits.
    expect(versionId(parts)).toBe('9e400e643fe0');
  });
});

describe('partials', () => {
  it('finds `{{> path}}` includes, relative to the including file', () => {
    expect(
      scanPartials(
        'A {{> parts/a.md}} B {{>../shared/b.md }} {{> "q.md"}} {{> parts/a.md}}',
        'prompts/main.md',
      ),
    ).toEqual(['prompts/parts/a.md', 'shared/b.md', 'prompts/q.md']);
    expect(scanPartials('{{ not_a_partial }}', 'p.md')).toEqual([]);
  });
});
