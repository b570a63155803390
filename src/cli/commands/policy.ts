import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadProductionPolicy, policyJson, policyMarkdown } from '../../production/policy.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate policy [--config FILE] [--json]

Prints the effective production privacy policy (the 'production:' section of evalgate.yml,
every default filled in): what is sampled, which fields are kept, which detectors redact,
which environment variable keys the hashes (whether it is set, never its value) and how
long records are kept.

  -c, --config FILE  project config (default: evalgate.yml)
      --json         print the policy as JSON

Exit 0 with a policy; 2 when there is none or it is invalid.
`;

export const policyCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const configPath = resolve(io.cwd, values.config);
  const policy = loadProductionPolicy(configPath);
  // The online graders in full (judge-free, known types, real routes), at file:line:col: the
  // policy's own schema only checks their shape, to keep the graders out of the recorder.
  if (policy.online) (await import('../../production/online/config.js')).loadOnlineGraders(configPath);
  io.stdout(
    values.json
      ? policyJson(policy, io.env)
      : terminalText(policyMarkdown(policy, io.env), { maxLength: 200_000 }),
  );
  return 0;
};
