#!/usr/bin/env node
import module from 'node:module';

// Node >= 22.1 caches compiled bytecode on disk: the second start skips most parsing.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { main } = await import('./main.js');
const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  isTTY: Boolean(process.stderr.isTTY) && !process.env.CI,
});
process.exitCode = code;
