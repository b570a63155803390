#!/usr/bin/env node
// The `command` target's entry point. evalgate starts it once per case, writes the case to
// stdin as JSON ({ suite, case, vars, expected, reference, context, tags, sample }) and
// reads one JSON object from stdout: { output, contexts, citations }.
//
// Try it by hand:
//   echo '{"vars":{"question":"How long does standard shipping take?"}}' | node app/cli.mjs

import { answer } from './bot.mjs';

let input = '';
for await (const chunk of process.stdin) input += chunk;

let request;
try {
  request = JSON.parse(input);
} catch (e) {
  // Anything on stderr plus a non-zero exit is reported by evalgate as a process error.
  console.error(`cli.mjs: stdin is not JSON: ${e.message}`);
  process.exit(1);
}

const question = request?.vars?.question;
if (typeof question !== 'string' || !question.trim()) {
  console.error('cli.mjs: the case has no vars.question');
  process.exit(1);
}

const { output, contexts, citations } = answer(question);
process.stdout.write(`${JSON.stringify({ output, contexts, citations })}\n`);
