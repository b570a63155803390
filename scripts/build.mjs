// Bundles the entry points into dist/. Deterministic: the same sources give
// byte-identical output, which the check-dist test relies on.
//
// Code splitting keeps start-up fast: each CLI command and each heavy dependency (the
// openai SDK, Octokit) lives in its own chunk, loaded only by the commands that use it.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

// `node scripts/build.mjs OUTDIR` builds elsewhere: the check-dist test compares that with dist/.
const outdir = process.argv[2] ?? 'dist';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(outdir, { recursive: true, force: true });
await build({
  // production: the `evalgate/production` instrumentation helper applications import.
  entryPoints: {
    index: 'src/action/index.ts',
    cli: 'src/cli/index.ts',
    production: 'src/production/index.ts',
  },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __EVALGATE_VERSION__: JSON.stringify(pkg.version) },
  // DuckDB is a native module (an optional dependency): loaded from node_modules at run
  // time by `evalgate drift` alone, never bundled.
  external: ['@duckdb/node-api'],
  // Some dependencies are CommonJS and call require(); give the ESM chunks one.
  banner: {
    js: "import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);",
  },
});
