#!/usr/bin/env node
import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import module from"node:module";module.enableCompileCache?.();var{main}=await import("./chunks/main-RE4NXATK.js"),code=await main(process.argv.slice(2),{stdout:text=>process.stdout.write(text),stderr:text=>process.stderr.write(text),cwd:process.cwd(),env:process.env,isTTY:!!process.stderr.isTTY&&!process.env.CI});process.exitCode=code;
