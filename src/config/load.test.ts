import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors } from './errors.js';
import { loadProject } from './load.js';
import { tempDir } from '../../test/helpers/tmp.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = tempDir('evalgate-load-');
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return join(dir, 'evalgate.yml');
}

const CONFIG = `targets:\n  bot:\n    type: command\n    command: [node, bot.mjs]\nsuites:\n  - suites/*.yml\n`;

/** Every message the loader throws, formatted as the CLI prints it, relative to the project. */
function errorsOf(configPath: string): string[] {
  try {
    loadProject(configPath);
  } catch (e) {
    const cwd = dirname(configPath);
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.format(cwd));
    if (e instanceof ConfigError) return [e.format(cwd)];
    throw e;
  }
  return [];
}

describe('loadProject', () => {
  it('loads suites, applies defaults, merges suite vars and derives stable ids', () => {
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml': `id: support\ntier: trusted\nvars: { lang: en }\ngraders: [{ type: contains, value: ok }]\ncases:\n  - id: first\n    vars: { q: hi }\n    blocker: true\n  - input: no id here\n    tags: { risk: high }\ndataset: more.jsonl\n`,
      'suites/more.jsonl':
        '{"id":"from-jsonl","vars":{"q":"x"}}\n\n{"vars":{"q":"y"},"graders":[{"type":"not-contains","value":"bad"}]}\n',
    });
    const p = loadProject(path);
    expect(p.warnings).toEqual([]);
    const suite = p.suites[0]!;
    expect(suite).toMatchObject({
      id: 'support',
      tier: 'trusted',
      kind: 'regression',
      target: 'bot',
      repeat: 1,
    });
    expect(suite.cases.map((c) => c.id)).toEqual([
      'first',
      expect.stringMatching(/^c-[0-9a-f]{10}$/),
      'from-jsonl',
      expect.stringMatching(/^c-[0-9a-f]{10}$/),
    ]);
    expect(suite.cases[0]).toMatchObject({
      vars: { lang: 'en', q: 'hi' },
      blocker: true,
      location: { line: 6 },
    });
    expect(suite.cases[1]).toMatchObject({
      vars: { lang: 'en', input: 'no id here' },
      tags: { risk: 'high' },
    });
    expect(suite.cases[3]!.graders.map((g) => g.name)).toEqual(['contains', 'not-contains']);
    expect(suite.cases[3]!.location).toEqual({ file: join(dirname(path), 'suites/more.jsonl'), line: 3 });
    // Same content, same id and hash: derived ids are stable across loads.
    const again = loadProject(path).suites[0]!;
    expect(again.cases[1]!.id).toBe(suite.cases[1]!.id);
    expect(again.contentHash).toBe(suite.contentHash);
  });

  it('points malformed YAML at its line and column', () => {
    const path = project({ 'evalgate.yml': 'targets:\n  bot: [unclosed\nsuites: []\n' });
    expect(errorsOf(path)).toEqual([expect.stringMatching(/^evalgate\.yml:3:1: invalid YAML: /)]);
  });

  it('reports schema violations with line, column, field path and what was expected', () => {
    const path = project({
      'evalgate.yml': CONFIG.replace('suites:', 'concurrency: lots\nsuites:'),
      'suites/a.yml': 'id: s\ncases: [{ vars: {} }]\ngraders: [{type: contains, value: x}]\n',
    });
    expect(errorsOf(path)).toEqual(['evalgate.yml:5:14: concurrency: expected number, received string']);
  });

  it('names an unknown grader type and lists the known ones, before any model call', () => {
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml': 'id: s\ncases:\n  - id: one\n    graders:\n      - type: containz\n        value: x\n',
    });
    const [err] = errorsOf(path);
    expect(err).toMatch(
      /^suites\/a\.yml:5:15: cases\[0\]\.graders\[0\]\.type: unknown grader type 'containz'; expected one of: equals, contains, /,
    );
  });

  it('reports an invalid regex at the grader', () => {
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml': 'id: s\ncases:\n  - id: one\n    graders: [{ type: regex, pattern: "([a-z" }]\n',
    });
    expect(errorsOf(path)).toEqual([
      expect.stringMatching(/^suites\/a\.yml:4:15: cases\[0\]\.graders\[0\]: invalid regex \/\(\[a-z\/: /),
    ]);
  });

  it('rejects duplicate case ids, naming where the first one is', () => {
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml': 'id: s\ngraders: [{type: contains, value: x}]\ncases:\n  - id: dup\n  - id: dup\n',
    });
    const [err] = errorsOf(path);
    expect(err).toMatch(
      /^suites\/a\.yml:5:9: cases\[1\]\.id: duplicate case id 'dup' in suite 's' \(first at .*suites\/a\.yml:4:5\)$/,
    );
  });

  it('reports unknown fields, unknown targets, bad JSONL lines and graders missing their expected value together', () => {
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml': 'id: s\ntarget: nope\ncases: []\n',
      'suites/b.yml':
        'id: t\ncases:\n  - id: x\n    colour: red\n    graders: [{type: contains}]\n  - id: y\n    graders: [{type: equals}]\ndataset: d.jsonl\n',
      'suites/d.jsonl': '{"id":"ok","graders":[{"type":"is-json"}]}\n{not json}\n',
    });
    expect(errorsOf(path)).toEqual([
      "suites/a.yml:2:9: target: unknown target 'nope'; expected one of: bot",
      "suites/b.yml:3:5: cases[0]: unknown field 'colour'",
      "suites/b.yml:6:5: cases[1]: grader 'equals' compares with the case's 'expected', which is missing: add 'expected' or give the grader a value",
      expect.stringMatching(/^suites\/d\.jsonl:2:2: invalid JSON: /),
    ]);
  });

  it('errors on a suite glob that matches nothing and on a missing suite file, at the entry', () => {
    const path = project({
      'evalgate.yml': CONFIG.replace('  - suites/*.yml', '  - suites/*.yml\n  - missing.yml'),
    });
    expect(errorsOf(path)).toEqual([
      expect.stringMatching(
        /^evalgate\.yml:6:5: suites\[0\]: 'suites\/\*\.yml' matches no file \(suite paths are relative to the config file\)$/,
      ),
      'evalgate.yml:7:5: suites[1]: suite file not found: missing.yml',
    ]);
  });

  it('reports every error of every file in one pass, each located to the column', () => {
    const path = project({
      // A broken target is reported, and the suites naming it are still checked.
      'evalgate.yml': `${CONFIG}  - suites/extra/*.yml\nconcurrency: lots\n`.replace(
        'targets:\n',
        'targets:\n  broken:\n    type: carrier-pigeon\n',
      ),
      // An unknown grader type and a duplicate case id in one file: both, at once.
      'suites/a.yml':
        'id: reg\ntarget: bot\ncases:\n  - id: one\n    graders: [{ type: containz, value: x }]\n  - id: one\n    graders: [{ type: contains, value: x }]\n',
      // A second suite with the same id: located at its `id`.
      'suites/b.yml':
        'id: reg\ntarget: broken\ngraders: [{ type: nope }, { type: contains, value: y }]\ncases: [{ id: b1 }, { id: b2, tags: 5 }]\n',
      'suites/c.yml': 'id: data\ntarget: bot\ngraders: [{ type: contains, value: y }]\ndataset: d.jsonl\n',
      // A wrong type on a JSONL line points at the value, a syntax error at where it breaks.
      'suites/d.jsonl': '{"id":"ok"}\n{"id":"x", "blocker": "yes"}\n{"id":"y",, }\n{"id":"ok"}\n',
    });
    expect(errorsOf(path)).toEqual([
      "evalgate.yml:3:11: targets.broken.type: unknown target type 'carrier-pigeon'; expected one of: openai, http, command",
      'evalgate.yml:10:14: concurrency: expected number, received string',
      expect.stringMatching(/^evalgate\.yml:9:5: suites\[1\]: 'suites\/extra\/\*\.yml' matches no file/),
      expect.stringMatching(
        /^suites\/a\.yml:5:23: cases\[0\]\.graders\[0\]\.type: unknown grader type 'containz'; expected one of: equals, contains, /,
      ),
      "suites/a.yml:6:9: cases[1].id: duplicate case id 'one' in suite 'reg' (first at suites/a.yml:4:5)",
      expect.stringMatching(
        /^suites\/b\.yml:3:19: graders\[0\]\.type: unknown grader type 'nope'; expected one of: /,
      ),
      'suites/b.yml:4:37: cases[1].tags: expected record, received number',
      "suites/b.yml:1:5: id: duplicate suite id 'reg' (first at suites/a.yml:1:5)",
      'suites/d.jsonl:2:23: blocker: expected boolean, received string',
      expect.stringMatching(/^suites\/d\.jsonl:3:11: invalid JSON: /),
      "suites/d.jsonl:4:7: id: duplicate case id 'ok' in suite 'data' (first at suites/d.jsonl:1)",
    ]);
  });

  it('counts every error but keeps the report bounded', () => {
    const lines = Array.from({ length: 35 }, (_, i) => `{"id":"c${i}","blocker":"no"}`).join('\n');
    const path = project({
      'evalgate.yml': CONFIG,
      'suites/a.yml': 'id: s\ngraders: [{ type: contains, value: x }]\ndataset: d.jsonl\n',
      'suites/d.jsonl': lines,
    });
    try {
      loadProject(path);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigErrors);
      expect((e as ConfigErrors).total).toBe(35);
      expect((e as ConfigErrors).errors).toHaveLength(35);
      expect((e as ConfigErrors).errors[34]!.format(dirname(path))).toBe(
        'suites/d.jsonl:35:23: blocker: expected boolean, received string',
      );
    }
  });
});
