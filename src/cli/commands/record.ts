import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, UsageError } from '../../config/errors.js';
import { versionsForWorkingTree } from '../../plan/versions.js';
import { hasherFromEnv } from '../../production/hash.js';
import { recordsFromInteractions } from '../../production/ingest.js';
import { readOtlpTraces } from '../../production/otlp.js';
import { interactionsFromSpans, recordsFromSpans } from '../../production/otlp-ingest.js';
import { loadProductionPolicy } from '../../production/policy.js';
import { RecordVersionsSchema, type ProductionRecord, type RecordVersions } from '../../production/record.js';
import { createRedactor } from '../../production/redact/index.js';
import { JsonlSink } from '../../production/sink.js';
import { versionsDocument, type VersionsDocument } from '../../production/versions.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate record --interactions FILE.jsonl --out RECORDS.jsonl [--target NAME]
                       [--versions VERSIONS.json] [--config FILE]
       evalgate record --otlp TRACES.json --out RECORDS.jsonl [--target NAME]
                       [--versions VERSIONS.json] [--config FILE]

Turns raw interactions (one JSON object per line, the shape toRecord takes) into production
records under the policy in evalgate.yml, and appends them to --out: ids hashed with the key
in the variable production.hashKeyEnv names, text redacted or dropped, only kept fields,
sampled at the policy's rates.

  --interactions FILE  the raw interactions (JSONL)
  --otlp FILE          instead: an OTLP/JSON traces export of GenAI spans (one document, or
                       one per line); message content is read only where the spans carry it
  --out FILE           the records file to append to (created if missing)
  --target NAME        whose version ids to stamp (needed when the config has several targets)
  --versions FILE      the output of 'evalgate versions --json' (default: computed from the
                       files on disk now); with --otlp, only for spans without evalgate.*_version
                       attributes
  -c, --config FILE    project config holding the policy (default: evalgate.yml)

All or nothing: every line is checked and converted before anything is written; a bad line
or one that would break the policy is an error (file:line:col) that never quotes the line.
Exit 0, or 2 on no policy, no hash key or a bad line.
`;

export const recordCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      interactions: { type: 'string' },
      otlp: { type: 'string' },
      out: { type: 'string', short: 'o' },
      target: { type: 'string' },
      versions: { type: 'string' },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const configPath = resolve(io.cwd, values.config);
  // The policy and the key first: without them nothing is read.
  const policy = loadProductionPolicy(configPath);
  const hasher = hasherFromEnv(policy, io.env);
  if (values.interactions && values.otlp)
    throw new UsageError('record takes --interactions FILE or --otlp FILE, not both');
  if (!values.interactions && !values.otlp)
    throw new UsageError(
      'record needs --interactions FILE (raw interactions, JSONL) or --otlp FILE (an OTLP/JSON traces export)',
    );
  if (!values.out) throw new UsageError('record needs --out FILE: the records file to append to');
  const redactor = createRedactor(policy.redaction);
  const stamp = () =>
    stampFor(values.versions ? resolve(io.cwd, values.versions) : undefined, configPath, values.target);
  let records: ProductionRecord[];
  let read: string;
  if (values.otlp) {
    const spans = interactionsFromSpans(readOtlpTraces(resolve(io.cwd, values.otlp)));
    // The version stamp is needed only for spans that carry none of their own.
    const fallback = spans.some((s) => !s.versions) ? await stamp() : undefined;
    records = recordsFromSpans(spans, policy, fallback, { hasher, redactor });
    read = `${spans.length} GenAI span${spans.length === 1 ? '' : 's'}`;
  } else {
    const versions = await stamp();
    const input = resolve(io.cwd, values.interactions!);
    const result = recordsFromInteractions(input, policy, versions, { hasher, redactor });
    records = result.records;
    read = `${result.interactions} interaction${result.interactions === 1 ? '' : 's'}`;
  }
  const out = resolve(io.cwd, values.out);
  new JsonlSink(out).append(records);
  io.stdout(
    terminalText(
      `recorded ${records.length} of ${read} (sampled by the policy) to ${relative(io.cwd, out)}\n`,
    ),
  );
  return 0;
};

async function stampFor(
  file: string | undefined,
  configPath: string,
  target: string | undefined,
): Promise<RecordVersions> {
  let doc: VersionsDocument;
  if (file) {
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as VersionsDocument;
    } catch (e) {
      throw new ConfigError(`cannot read the versions file: ${(e as Error).message}`, { file });
    }
    if (!doc || typeof doc !== 'object' || typeof doc.targets !== 'object' || doc.targets === null)
      throw new ConfigError("not the output of 'evalgate versions --json': no 'targets'", { file });
  } else {
    doc = versionsDocument(await versionsForWorkingTree({ configPath }));
  }
  const names = Object.keys(doc.targets);
  const name = target ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined)
    throw new UsageError(
      `record needs --target NAME: the versions have ${names.length ? `several targets (${names.join(', ')})` : 'no target'}`,
    );
  const stamp = doc.targets[name];
  if (!stamp)
    throw new UsageError(`unknown target '${name}'; the versions have: ${names.join(', ') || 'none'}`);
  const parsed = RecordVersionsSchema.safeParse(stamp);
  if (!parsed.success)
    throw new ConfigError(`targets.${name} is not a version stamp`, { file: file ?? configPath });
  return parsed.data;
}
