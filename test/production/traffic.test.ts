import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/types.js';
import type { ProductionRecord } from '../../src/production/record.js';
import { generateTraffic } from '../helpers/production-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv2020,
) => void;
const ajv = new Ajv2020({ strict: true });
addFormats(ajv);
const validateRecord = ajv.compile(JSON.parse(readFileSync('schema/record.schema.json', 'utf8')) as object);

/**
 * `evalgate record` over 3,000 seeded, realistic interactions with a stratified policy:
 * every record matches the JSON Schema, each stratum is sampled at its rate (checked
 * against a binomial 4-sigma band, so a correct sampler fails about once in 16,000 runs and
 * the seed is fixed anyway), and the records carry what the traffic had.
 */
describe('evalgate record over realistic traffic (seeded)', () => {
  it('samples each stratum at its rate and writes schema-valid records', async () => {
    const dir = tempDir('evalgate-traffic-');
    writeFileSync(
      join(dir, 'evalgate.yml'),
      `production:
  sampling:
    rate: 0.1
    byRoute: { shipping: 0.5 }
    byRisk: { high: 1, payments: 0.8 }
`,
    );
    writeFileSync(
      join(dir, 'versions.json'),
      JSON.stringify({ targets: { bot: { system: 'sys-1', prompt: 'p-1' } } }),
    );
    const traffic = generateTraffic(2026, 3000);
    writeFileSync(join(dir, 'in.jsonl'), traffic.map((t) => JSON.stringify(t)).join('\n'));
    const out: string[] = [];
    const io: CliIO = {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      cwd: dir,
      env: { EVALGATE_HASH_KEY: 'traffic-test-key-0123456789' },
      isTTY: false,
    };
    const code = await main(
      ['record', '--interactions', 'in.jsonl', '--out', 'records.jsonl', '--versions', 'versions.json'],
      io,
    );
    expect(out.join('')).toMatch(/^recorded \d+ of 3000 interactions/);
    expect(code).toBe(0);
    const records = readFileSync(join(dir, 'records.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as ProductionRecord);
    for (const r of records) expect(validateRecord(r), JSON.stringify(validateRecord.errors)).toBe(true);

    const stratum = (t: { route?: string; riskTags?: string[] }) =>
      t.riskTags?.includes('high')
        ? 'high'
        : t.riskTags?.includes('payments')
          ? 'payments'
          : t.route === 'shipping'
            ? 'shipping'
            : 'default';
    const RATES: Record<string, number> = { high: 1, payments: 0.8, shipping: 0.5, default: 0.1 };
    const offered = new Map<string, number>();
    for (const t of traffic) offered.set(stratum(t), (offered.get(stratum(t)) ?? 0) + 1);
    const kept = new Map<string, number>();
    for (const r of records) {
      kept.set(stratum(r), (kept.get(stratum(r)) ?? 0) + 1);
      expect(r.sampleRate).toBe(RATES[stratum(r)]);
    }
    for (const [s, n] of offered) {
      const p = RATES[s]!;
      const sd = Math.sqrt(n * p * (1 - p));
      expect(
        Math.abs((kept.get(s) ?? 0) - n * p),
        `stratum ${s}: ${kept.get(s)} of ${n}`,
      ).toBeLessThanOrEqual(4 * sd + 1e-9);
    }
    expect(offered.get('high')).toBeGreaterThan(50);

    // What the traffic had is there, reduced to features.
    expect(new Set(records.map((r) => r.input?.language))).toEqual(new Set(['en', 'es', 'de', 'fr']));
    expect(records.some((r) => r.refusal === true)).toBe(true);
    expect(records.some((r) => r.error?.kind)).toBe(true);
    expect(records.some((r) => r.toolCalls?.blocked)).toBe(true);
    expect(records.every((r) => r.versions.system === 'sys-1')).toBe(true);
    expect(JSON.stringify(records)).not.toMatch(/@example\.com|upstream failed/);
  });
});
