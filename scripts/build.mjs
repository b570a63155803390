// Bundles the two entry points into dist/. Deterministic: the same sources give
// byte-identical output, which the check-dist test relies on.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

// `node scripts/build.mjs OUTDIR` builds elsewhere: the check-dist test compares that with dist/.
const outdir = process.argv[2] ?? 'dist';
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __EVALGATE_VERSION__: JSON.stringify(pkg.version) },
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);",
  },
};

await build({ ...common, entryPoints: { index: 'src/action/index.ts' }, outdir });
await build({
  ...common,
  entryPoints: { cli: 'src/cli/index.ts' },
  outdir,
  banner: { js: '#!/usr/bin/env node\n' + common.banner.js },
});
