import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { main } from '../cli/main.js';
import type { CliIO } from '../cli/types.js';
import { loadProject } from '../config/load.js';
import { loadProductionPolicy } from './policy.js';

const BASE = `targets: { bot: { type: command, command: [node, bot.mjs], components: [bot-code] } }
components: { bot-code: { kind: code, paths: [bot.mjs] } }
suites: [suite.yml]
`;

function project(production: string): string {
  const dir = tempDir('evalgate-policy-');
  writeFileSync(join(dir, 'evalgate.yml'), BASE + production);
  writeFileSync(
    join(dir, 'suite.yml'),
    'id: s\ncases:\n  - input: hi\n    graders: [{ type: contains, value: hi }]\n',
  );
  return dir;
}

async function cli(dir: string, argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: dir,
    env,
    isTTY: false,
  };
  const code = await main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const FULL = `production:
  sampling:
    rate: 0.05
    byRoute: { checkout: 0.5 }
    byRisk: { high: 1 }
  fields: [route, riskTags, language, length, refusal, latencyMs]
  redaction:
    detectors: { ip: false }
    custom:
      - { name: employee-id, pattern: 'EMP-\\d{6}' }
  hashKeyEnv: APP_HASH_KEY
  retentionDays: 14
`;

describe('production policy', () => {
  it('fills every default of a minimal policy', () => {
    const dir = project('production:\n  sampling: { rate: 0.1 }\n');
    const policy = loadProductionPolicy(join(dir, 'evalgate.yml'));
    expect(policy).toEqual({
      sampling: { rate: 0.1, byRoute: {}, byRisk: {} },
      fields: expect.arrayContaining(['userId', 'route', 'editDistance']),
      redaction: {
        detectors: { email: true, phone: true, card: true, iban: true, apiKey: true, ip: true },
        custom: [],
      },
      hashKeyEnv: 'EVALGATE_HASH_KEY',
      retainText: false,
      retentionDays: 30,
    });
    expect(policy.fields).toHaveLength(17);
  });

  it('is part of the project config, so `validate` and the gate check it too', () => {
    const dir = project(FULL);
    const { config } = loadProject(join(dir, 'evalgate.yml'));
    expect(config.production?.sampling.byRoute).toEqual({ checkout: 0.5 });
    expect(config.production?.redaction.detectors.ip).toBe(false);
  });

  it('reports every error of the section in one pass, each at file:line:col', async () => {
    const dir = project(`production:
  sampling: { rate: 1.5, byRisk: { high: -1 } }
  fields: [route, rawText]
  redaction:
    detectors: { email: maybe, ssn: true }
    custom:
      - { name: bad, pattern: '(unclosed' }
      - { name: empty, pattern: 'x*' }
  hashKeyEnv: 'not a name'
  retentionDays: 0
`);
    const r = await cli(dir, ['policy']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^evalgate: 9 config errors:\n/);
    const lines = r.stderr
      .split('\n')
      .slice(1, -1)
      .map((l) => l.trim());
    expect(lines).toEqual([
      'evalgate.yml:5:21: production.sampling.rate: Too big: expected number to be <=1',
      'evalgate.yml:5:42: production.sampling.byRisk.high: Too small: expected number to be >=0',
      expect.stringMatching(
        /^evalgate\.yml:6:19: production\.fields\[1\]: Invalid option: expected one of "userId"\|/,
      ),
      'evalgate.yml:8:25: production.redaction.detectors.email: expected boolean, received string',
      "evalgate.yml:8:16: production.redaction.detectors: unknown field 'ssn'",
      expect.stringMatching(
        /^evalgate\.yml:10:31: production\.redaction\.custom\[0\]\.pattern: invalid regular expression: \/\(unclosed\/: Unterminated group$/,
      ),
      'evalgate.yml:11:33: production.redaction.custom[1].pattern: the pattern matches the empty string',
      'evalgate.yml:12:15: production.hashKeyEnv: an environment variable name',
      'evalgate.yml:13:18: production.retentionDays: Too small: expected number to be >=1',
    ]);
  });

  it("`evalgate validate` reports the section's errors with the rest of the config", async () => {
    const dir = project(`production:
  retainText: sometimes
  redaction:
    custom: [{ name: x, pattern: '[' }]
`);
    const r = await cli(dir, ['validate'], { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^evalgate: 2 config errors:\n/);
    expect(r.stderr).toContain('evalgate.yml:5:15: production.retainText: expected boolean, received string');
    expect(r.stderr).toMatch(
      /evalgate\.yml:7:34: production\.redaction\.custom\[0\]\.pattern: invalid regular expression: /,
    );
  });

  it('without a policy, `evalgate policy` refuses: exit 2, nothing written', async () => {
    const dir = project('');
    const before = readdirSync(dir).sort();
    const r = await cli(dir, ['policy', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "evalgate: config error: evalgate.yml:1:1: no production policy: production commands read and write nothing without a 'production:' section (see the README's Production section)\n",
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('prints the effective policy as JSON, saying whether the key is set but never its value', async () => {
    const dir = project(FULL);
    const r = await cli(dir, ['policy', '--json'], { APP_HASH_KEY: 'super-secret-key-value' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('super-secret-key-value');
    expect(JSON.parse(r.stdout)).toEqual({
      sampling: { rate: 0.05, byRoute: { checkout: 0.5 }, byRisk: { high: 1 } },
      fields: ['route', 'riskTags', 'language', 'length', 'refusal', 'latencyMs'],
      redaction: {
        detectors: { email: true, phone: true, card: true, iban: true, apiKey: true, ip: false },
        custom: [{ name: 'employee-id', pattern: 'EMP-\\d{6}', flags: '' }],
      },
      hashKeyEnv: 'APP_HASH_KEY',
      retainText: false,
      retentionDays: 14,
      hashKeySet: true,
    });
  });

  it('prints the effective policy as markdown', async () => {
    const dir = project(FULL);
    const r = await cli(dir, ['policy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`# Production privacy policy

## Sampling

- default rate: 5 %
- route \`checkout\`: 50 %
- risk tag \`high\`: 100 %

A risk tag's rate overrides its route's, which overrides the default; with several risk tags the highest applies.

## Kept

- fields: \`route\`, \`riskTags\`, \`language\`, \`length\`, \`refusal\`, \`latencyMs\`
- dropped: \`userId\`, \`sessionId\`, \`requestId\`, \`textHash\`, \`toolCalls\`, \`safetyEvents\`, \`error\`, \`tokens\`, \`cost\`, \`feedback\`, \`editDistance\`
- input and output text: not kept (keyed hashes and derived features only)
- retention: 14 days (\`evalgate prune\` deletes older records)

## Redaction

- email: on
- phone: on
- card: on
- iban: on
- apiKey: on
- ip: off
- custom \`employee-id\`: \`/EMP-\\d{6}/\`

## Hashing

- user, session and request ids and text hashes: HMAC-SHA-256 keyed by \`$APP_HASH_KEY\` (not set: recording will refuse to start)

## Online graders

None declared: no grader runs on production records (\`production.online\`).
`);
  });

  it('refuses an online grader the production job would refuse, in policy, validate and docs alike', async () => {
    const dir = project(`${FULL}  online:\n    - { type: judge, rubric: helpful }\n`);
    for (const argv of [['policy'], ['validate'], ['docs', '--check']]) {
      const r = await cli(dir, argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /evalgate\.yml:\d+:\d+: production\.online\[0\]\.type: judges never run online/,
      );
    }
  });

  it('lists the online graders it declares: name, routes, whether shadow runs gate on them', async () => {
    const dir = project(`${FULL}  online:
    - { type: pii }
    - { type: json-schema, name: order-json, routes: [checkout], gate: false, schema: { type: object } }
    - { type: contains, not: true, value: 'internal' }
`);
    const r = await cli(dir, ['policy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`## Online graders

- \`pii\` (\`pii\`): every route; gates shadow runs
- \`order-json\` (\`json-schema\`): routes \`checkout\`; informs shadow runs
- \`not-contains\` (\`contains\`): every route; gates shadow runs
`);
  });
});
