import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildGraph, findCycles, importSpecifiers, stronglyConnected } from '../../scripts/check-cycles.mjs';

const SCRIPT = new URL('../../scripts/check-cycles.mjs', import.meta.url).pathname;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'evalgate-cycles-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe('scripts/check-cycles.mjs', () => {
  it('reads imports, type-only imports, re-exports and dynamic imports, not mentions in strings or comments', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "const e = await import('./e.js');",
      "// import { f } from './f.js';",
      'const g = "import { g } from \'./g.js\'";',
      "import 'node:fs';",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual([
      './a.js',
      './b.js',
      './c.js',
      './d.js',
      './e.js',
      'node:fs',
    ]);
  });

  it('builds the graph of relative imports between .ts files, tests and packages left out', () => {
    write({
      'a.ts': "import { b } from './b.js';\nimport { z } from 'zod';\n",
      'b.ts': "import type { C } from './sub/index.js';\nexport const b = 1;\n",
      'sub/index.ts': "export * from './c.js';\n",
      'sub/c.ts': "import { b } from '../b.js';\nexport type C = number;\n",
      'a.test.ts': "import { b } from './b.js';\n",
      'notes.md': "import { a } from './a.js';\n",
    });
    expect(buildGraph(dir)).toEqual(
      graph({
        'a.ts': ['b.ts'],
        'b.ts': ['sub/index.ts'],
        'sub/c.ts': ['b.ts'],
        'sub/index.ts': ['sub/c.ts'],
      }),
    );
  });

  it('finds each strongly connected component once, with a concrete cycle through it', () => {
    // a -> b -> c -> a is one component (d hangs off it); e <-> f another; g imports itself; h is acyclic.
    const g = graph({
      a: ['b'],
      b: ['c', 'd'],
      c: ['a'],
      d: ['e'],
      e: ['f'],
      f: ['e'],
      g: ['g'],
      h: ['a'],
    });
    expect(
      stronglyConnected(g)
        .map((c) => c.join(','))
        .sort(),
    ).toEqual(['a,b,c', 'd', 'e,f', 'g', 'h']);
    expect(findCycles(g)).toEqual([
      { files: ['a', 'b', 'c'], path: ['a', 'b', 'c', 'a'] },
      { files: ['e', 'f'], path: ['e', 'f', 'e'] },
      { files: ['g'], path: ['g', 'g'] },
    ]);
  });

  it('prints the shortest cycle through a component, not a detour', () => {
    // a -> b -> a and a -> c -> d -> a share a component; the path shown is the short one.
    const g = graph({ a: ['c', 'b'], b: ['a'], c: ['d'], d: ['a'] });
    expect(findCycles(g)).toEqual([{ files: ['a', 'b', 'c', 'd'], path: ['a', 'b', 'a'] }]);
  });

  it('finds no cycle in a DAG, however deep (no recursion to overflow)', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 20_000; i++) edges[`m${i}`] = i + 1 < 20_000 ? [`m${i + 1}`] : [];
    expect(findCycles(graph(edges))).toEqual([]);
    edges['m19999'] = ['m0'];
    expect(findCycles(graph(edges))).toHaveLength(1);
  });

  it('exits 1 and names the files of a cycle; exits 0 with the graph stats when there is none', () => {
    write({
      'x.ts': "import { y } from './y.js';\nexport const x = 1;\n",
      'y.ts': "import type { Z } from './z.js';\nexport const y = 1;\n",
      'z.ts': "import { x } from './x.js';\nexport type Z = number;\n",
    });
    const bad = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('import cycle of 3 files');
    expect(bad.stderr).toContain('x.ts -> y.ts -> z.ts -> x.ts');
    expect(bad.stdout).toContain('3 files, 3 imports, 1 cycles');

    write({ 'z.ts': 'export type Z = number;\n' });
    const good = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
    expect(good.stderr).toBe('');
    expect(good.stdout).toContain('3 files, 2 imports, 0 cycles');
    expect(good.status).toBe(0);
  });
});
