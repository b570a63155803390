import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { parseYaml } from '../../config/yaml.js';
import { terminalText } from '../../report/escape.js';
import { writeExports } from '../exports.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate export [--results FILE] [--junit FILE] [--sarif FILE] [--otel-events FILE]
                       [--config FILE]

Writes a Results document in the formats CI tools read:
  --junit FILE     JUnit XML: suite → testsuite, case → testcase, a failure per failing case
                   with its graders' reasons (for test-report actions and CI dashboards)
  --sarif FILE     SARIF 2.1.0: the safety graders' findings, one rule per grader, located at
                   the case's line in its suite file (for GitHub code scanning)
  --otel-events FILE  OTLP/JSON logs: one gen_ai.evaluation.result event per grader verdict
                   (OpenTelemetry GenAI conventions), for any OTLP exporter to send to the
                   team's tracing backend
  --results FILE   the Results document (default: the config's 'output', evalgate-results.json
                   next to the config)
  -c, --config FILE  where the project is (default: evalgate.yml here, else the one beside
                   --results); paths in the reports are relative to the repository root
All paths given are relative to the working directory. 'evalgate run' takes --junit and
--sarif too, to write them as the run ends.

Exit codes: 0 written; 2 usage error, or a Results file that is missing, corrupt or of
another schema version. The reports describe the run; they do not gate (see 'evalgate run').
`;

export const exportCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      results: { type: 'string', short: 'r' },
      junit: { type: 'string' },
      sarif: { type: 'string' },
      'otel-events': { type: 'string' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (!values.junit && !values.sarif && !values['otel-events'])
    throw new UsageError('export needs at least one of --junit FILE, --sarif FILE, --otel-events FILE');
  const given = values.results && resolve(io.cwd, values.results);
  let configPath = resolve(io.cwd, values.config ?? 'evalgate.yml');
  // No --config and no evalgate.yml here: the project is the one beside the Results file, so
  // a report exported from the repository root still locates cases in their suite files.
  if (values.config === undefined && !existsSync(configPath) && given) {
    const beside = resolve(dirname(given), 'evalgate.yml');
    if (existsSync(beside)) configPath = beside;
    // Only JUnit and SARIF name suite files; OTel events do not.
    else if (values.junit || values.sarif)
      io.stderr(
        `evalgate: warning: no evalgate.yml here or beside ${terminalText(values.results ?? '')}: suite files are located from ${io.cwd}; give --config for the project's\n`,
      );
  }
  const projectDir = dirname(configPath);
  let results = given;
  if (!results) {
    // Only the config's `output` is needed: reading it does not need the suites to be valid.
    let output = 'evalgate-results.json';
    if (existsSync(configPath)) {
      const value = parseYaml(readFileSync(configPath, 'utf8'), configPath).value as { output?: unknown };
      if (typeof value?.output === 'string') output = value.output;
    }
    results = resolve(projectDir, output);
  }
  if (!existsSync(results))
    throw new UsageError(`no Results document at ${results}: run 'evalgate run' first, or give --results`);
  await writeExports(
    results,
    projectDir,
    {
      ...(values.junit && { junit: values.junit }),
      ...(values.sarif && { sarif: values.sarif }),
      ...(values['otel-events'] && { otelEvents: values['otel-events'] }),
    },
    io,
  );
  return 0;
};
