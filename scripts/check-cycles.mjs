// Fails when the files under src/ import each other in a cycle.
//
// A cycle of files means no layer sits below the other: neither can be read, tested or
// moved alone. We count type-only imports (`import type`) too, since they show the
// layering as much as value imports do, even though esbuild erases them.
//
// The graph: one node per src/**/*.ts file (tests excluded), one edge per relative
// import or re-export (`from './x.js'`, `import('./x.js')`) that resolves to another
// such file. Cycles are the strongly connected components of more than one file (or a
// file importing itself), found with Tarjan's algorithm (one depth-first pass, O(V + E)),
// written iteratively so a deep import chain cannot overflow the stack. Each component
// is printed as one concrete cycle through it, found by breadth-first search, so the
// message names the imports to cut.
//
// Usage: node scripts/check-cycles.mjs [ROOT]   (ROOT defaults to src)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The specifiers a TypeScript source imports or re-exports, `import type` and dynamic
 * `import()` included, as TypeScript's own scanner reads them (not a regex: strings and
 * comments that merely mention an import are not imports).
 */
export function importSpecifiers(source) {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

function listSources(dir) {
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...listSources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/**
 * The import graph of ROOT's .ts files: Map from file (relative to ROOT, `/`-separated)
 * to the sorted files it imports. NodeNext specifiers name the emitted `.js`; we map
 * them back to the `.ts` source (`./x.js` -> `./x.ts`, `./dir/index.js` likewise).
 */
export function buildGraph(root) {
  const files = listSources(root);
  const known = new Set(files.map((file) => resolve(file)));
  const name = (file) => relative(root, file).split('\\').join('/');
  const graph = new Map();
  for (const file of files) {
    const targets = new Set();
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const base = resolve(dirname(file), specifier);
      const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
      const target = candidates.find((candidate) => known.has(candidate));
      if (target) targets.add(name(target));
    }
    graph.set(name(file), [...targets].sort());
  }
  return graph;
}

/** Tarjan's strongly connected components of `graph` (Map node -> successors), iteratively. */
export function stronglyConnected(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const frames = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const successors = graph.get(frame.node) ?? [];
      if (frame.edge < successors.length) {
        const successor = successors[frame.edge++];
        if (!index.has(successor)) {
          index.set(successor, next);
          low.set(successor, next++);
          stack.push(successor);
          onStack.add(successor);
          frames.push({ node: successor, edge: 0 });
        } else if (onStack.has(successor)) {
          low.set(frame.node, Math.min(low.get(frame.node), index.get(successor)));
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component.sort());
      }
    }
  }
  return components;
}

/** One shortest cycle through `component`'s first file, staying inside the component: [a, b, ..., a]. */
function cycleThrough(graph, component) {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const successor of graph.get(queue[i]) ?? []) {
      if (!members.has(successor)) continue;
      if (successor === start) {
        const path = [start];
        for (let node = queue[i]; node !== start; node = previous.get(node)) path.unshift(node);
        path.unshift(start);
        return path;
      }
      if (!previous.has(successor)) {
        previous.set(successor, queue[i]);
        queue.push(successor);
      }
    }
  }
  return [start, start];
}

/**
 * The cycles of `graph`: one per strongly connected component of two or more files or a
 * file that imports itself; each `{ files, path }`, `files` the component (sorted) and
 * `path` one cycle through it, first file repeated at the end.
 */
export function findCycles(graph) {
  return stronglyConnected(graph)
    .filter((component) => component.length > 1 || (graph.get(component[0]) ?? []).includes(component[0]))
    .map((files) => ({ files, path: cycleThrough(graph, files) }))
    .sort((a, b) => (a.files[0] < b.files[0] ? -1 : 1));
}

function main() {
  const root = process.argv[2] ?? 'src';
  const graph = buildGraph(root);
  const edges = [...graph.values()].reduce((sum, targets) => sum + targets.length, 0);
  const cycles = findCycles(graph);
  for (const cycle of cycles) {
    console.error(`import cycle of ${cycle.files.length} files in ${root}/: ${cycle.path.join(' -> ')}`);
    if (cycle.files.length > cycle.path.length - 1)
      console.error(`  all files in it: ${cycle.files.join(', ')}`);
  }
  console.log(`check-cycles: ${graph.size} files, ${edges} imports, ${cycles.length} cycles`);
  if (cycles.length > 0) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
