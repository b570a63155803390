import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { runGit } from '../changes/git.js';
import { parseResultsDocument } from '../compare/input.js';
import { renderEvaluationEvents } from '../production/otlp-events.js';
import { renderJUnit } from '../report/junit.js';
import { renderSarif } from '../report/sarif.js';
import type { CliIO } from './types.js';

export interface ExportTargets {
  /** JUnit XML file, relative to the working directory. */
  junit?: string;
  /** SARIF 2.1.0 file (safety findings), relative to the working directory. */
  sarif?: string;
  /** OTLP/JSON logs file of `gen_ai.evaluation.result` events, relative to the working directory. */
  otelEvents?: string;
}

/**
 * Writes the Results document at `resultsPath` in the ecosystem's formats. Paths inside them
 * are relative to the repository root (what code scanning and test reporters resolve against):
 * the project folder (`projectDir`, where the config is) relative to the root, then the suite
 * file. Outside a repository they are relative to the project folder.
 */
export async function writeExports(
  resultsPath: string,
  projectDir: string,
  targets: ExportTargets,
  io: Pick<CliIO, 'cwd' | 'env' | 'stderr'>,
): Promise<void> {
  if (!targets.junit && !targets.sarif && !targets.otelEvents) return;
  const results = parseResultsDocument(readFileSync(resultsPath, 'utf8'), resultsPath);
  const top = await runGit(projectDir, ['rev-parse', '--show-toplevel'], { env: io.env }).catch(() => null);
  const root = top && top.code === 0 ? top.stdout.toString('utf8').trim() : projectDir;
  const pathPrefix = relative(root, projectDir).split(sep).join('/');
  const write = (file: string, text: string, what: string) => {
    const path = resolve(io.cwd, file);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    io.stderr(`${what}: ${relative(io.cwd, path) || path}\n`);
  };
  if (targets.junit) write(targets.junit, renderJUnit(results, { pathPrefix }), 'JUnit XML');
  if (targets.sarif) write(targets.sarif, renderSarif(results, { pathPrefix }), 'SARIF');
  if (targets.otelEvents)
    write(targets.otelEvents, renderEvaluationEvents(results), 'OpenTelemetry evaluation events');
}
