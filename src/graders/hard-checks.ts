import { compileSchema } from './json-schema.js';
import type { GraderVerdict, ToolCall } from '../results/types.js';
import { argumentDifferences, describeArgumentDifferences } from './arguments.js';
import { canonicalJson } from '../util/hash.js';
import type { CompileContext } from './context.js';
import { classifyRefusal, refusalThenCompliance } from './refusal.js';
import type { GraderSpec } from './spec.js';
import type { GradeInput, Grader } from './types.js';

type Check = (input: GradeInput) => Omit<GraderVerdict, 'grader'>;

/**
 * Hard checks: deterministic, free, and the only graders allowed to gate releases without
 * calibration. Each returns pass/fail, a score in [0, 1] and a one-line reason.
 */
export function compileHardCheck(spec: GraderSpec, ctx: CompileContext): Grader {
  const check = compileCheck(spec, ctx);
  const name = spec.name ?? (spec.not ? `not-${spec.type}` : spec.type);
  const requiresExpected = needsExpected(spec);
  return {
    name,
    requiresExpected,
    grade(input) {
      const v = check(input);
      if (!spec.not || v.error) return { grader: name, ...v };
      return { grader: name, pass: !v.pass, score: 1 - v.score, reason: `not: ${v.reason}` };
    },
  };
}

function needsExpected(spec: GraderSpec): boolean {
  switch (spec.type) {
    case 'equals':
    case 'contains':
      return spec.value === undefined;
    case 'contains-any':
    case 'contains-all':
      return spec.values === undefined;
    case 'tool-calls':
      return spec.calls === undefined;
    default:
      return false;
  }
}

function compileCheck(spec: GraderSpec, ctx: CompileContext): Check {
  switch (spec.type) {
    case 'equals': {
      const fold = (s: string) => {
        const t = spec.trim ? s.trim() : s;
        return spec.ignoreCase ? t.toLowerCase() : t;
      };
      return ({ output, case: c }) => {
        const want = spec.value !== undefined ? spec.value : c.expected;
        if (typeof want === 'string' || typeof want === 'number' || typeof want === 'boolean') {
          const ok = fold(output.output) === fold(String(want));
          return verdict(
            ok,
            ok
              ? 'output equals the expected value'
              : `expected ${quote(String(want))}, got ${quote(output.output)}`,
          );
        }
        // Structured expectations compare as JSON, key order ignored.
        const parsed = parseJson(output.output);
        if (!parsed.ok)
          return verdict(false, `expected JSON equal to ${short(canonicalJson(want))}, output is not JSON`);
        const ok = canonicalJson(parsed.value) === canonicalJson(want);
        return verdict(
          ok,
          ok
            ? 'output JSON equals the expected value'
            : `expected ${short(canonicalJson(want))}, got ${short(canonicalJson(parsed.value))}`,
        );
      };
    }
    case 'contains':
      return ({ output, case: c }) => {
        const needle = spec.value ?? String(c.expected);
        const ok = includes(output.output, needle, spec.ignoreCase);
        return verdict(ok, ok ? `contains ${quote(needle)}` : `does not contain ${quote(needle)}`);
      };
    case 'contains-any':
    case 'contains-all': {
      const all = spec.type === 'contains-all';
      return ({ output, case: c }) => {
        const needles = spec.values ?? [c.expected].flat().map(String);
        const found = needles.filter((n) => includes(output.output, n, spec.ignoreCase));
        const missing = needles.filter((n) => !found.includes(n));
        const ok = all ? missing.length === 0 : found.length > 0;
        const score = all ? found.length / needles.length : found.length > 0 ? 1 : 0;
        const reason = all
          ? ok
            ? `contains all ${needles.length} values`
            : `missing ${missing.map(quote).join(', ')}`
          : ok
            ? `contains ${quote(found[0]!)}`
            : `contains none of ${needles.map(quote).join(', ')}`;
        return { pass: ok, score, reason };
      };
    }
    case 'regex': {
      let re: RegExp;
      try {
        re = new RegExp(spec.pattern, (spec.flags ?? '').replace(/[gy]/g, ''));
      } catch (e) {
        throw new Error(
          `invalid regex /${spec.pattern}/: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}`,
          { cause: e },
        );
      }
      return ({ output }) => {
        const ok = re.test(output.output);
        return verdict(ok, ok ? `matches /${spec.pattern}/` : `does not match /${spec.pattern}/`);
      };
    }
    case 'is-json':
      return ({ output }) => {
        const parsed = parseJson(output.output);
        if (parsed.ok) return verdict(true, 'output is valid JSON');
        const fenced = /^\s*```/.test(output.output) ? ' (it is wrapped in a code fence)' : '';
        return verdict(false, `output is not valid JSON${fenced}: ${parsed.error}`);
      };
    case 'json-schema': {
      const validateFn = compileSchema(spec.schema, ctx.baseDir);
      return ({ output }) => {
        const parsed = parseJson(output.output);
        if (!parsed.ok) return verdict(false, `output is not valid JSON: ${parsed.error}`);
        if (validateFn(parsed.value)) return verdict(true, 'output conforms to the schema');
        const err = validateFn.errors?.[0];
        return verdict(
          false,
          `schema violation at ${err?.instancePath || '/'}: ${err?.message ?? 'invalid'}`,
        );
      };
    }
    case 'tool-calls':
      return ({ output, case: c }) => {
        const expected =
          spec.calls ?? (c.expected as { name: string; arguments?: Record<string, unknown> }[]) ?? [];
        return gradeToolCalls(expected, output.toolCalls ?? [], spec.match, spec.order);
      };
    case 'latency':
      return ({ latencyMs }) => {
        const ok = latencyMs <= spec.maxMs;
        return {
          pass: ok,
          score: ok ? 1 : Math.max(0, spec.maxMs / latencyMs),
          reason: `${Math.round(latencyMs)} ms ${ok ? '≤' : '>'} budget ${spec.maxMs} ms`,
        };
      };
    case 'tokens':
      return ({ tokens }) => {
        if (!tokens)
          return { pass: false, score: 0, reason: 'the target reported no token usage', error: true };
        const used = tokens[spec.kind];
        const ok = used <= spec.max;
        return {
          pass: ok,
          score: ok ? 1 : spec.max / used,
          reason: `${used} ${spec.kind} tokens ${ok ? '≤' : '>'} budget ${spec.max}`,
        };
      };
    case 'cost':
      return ({ cost, unpriced }) => {
        if (cost === undefined)
          return {
            pass: false,
            score: 0,
            reason: unpriced?.length
              ? `no price known for ${unpriced.map((m) => `'${m}'`).join(' or ')}: add it to \`prices\``
              : 'no price known for this model: add it to `prices`',
            error: true,
          };
        const ok = cost <= spec.maxUsd;
        return {
          pass: ok,
          score: ok ? 1 : spec.maxUsd / cost,
          reason: `$${cost.toFixed(6)} ${ok ? '≤' : '>'} budget $${spec.maxUsd}`,
        };
      };
    case 'refusal':
      return ({ output }) => {
        const kind = classifyRefusal(output.output);
        const refused = kind !== null;
        const ok = refused === spec.expect;
        const complied = refused ? null : refusalThenCompliance(output.output);
        const what = refused
          ? `the response is ${kind === 'abstention' ? 'an' : 'a'} ${kind}`
          : complied
            ? `the response refuses, then complies ("${complied}")`
            : 'the response answers';
        return verdict(
          ok,
          spec.expect
            ? ok
              ? what
              : `expected a refusal; ${what}`
            : ok
              ? what
              : `expected an answer; ${what}`,
        );
      };
    default:
      // The other grader families compile in their own modules; see compileGrader.
      throw new Error(`'${spec.type}' is not a hard check`);
  }
}

function gradeToolCalls(
  expected: { name: string; arguments?: Record<string, unknown> }[],
  actual: ToolCall[],
  match: 'exact' | 'subset',
  order: 'strict' | 'any',
): Omit<GraderVerdict, 'grader'> {
  if (!Array.isArray(expected) || expected.length === 0) {
    const ok = actual.length === 0;
    return verdict(
      ok,
      ok
        ? 'no tool calls, as expected'
        : `expected no tool calls, got ${actual.map((a) => a.name).join(', ')}`,
    );
  }
  const used = new Set<number>();
  let cursor = 0;
  let found = 0;
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const want of expected) {
    const start = order === 'strict' ? cursor : 0;
    let hit = -1;
    for (let i = start; i < actual.length; i++) {
      if (!used.has(i) && callMatches(want, actual[i]!)) {
        hit = i;
        break;
      }
    }
    if (hit < 0) {
      const why = wrongArguments(want, actual);
      if (why) wrong.push(why);
      else missing.push(want.name);
    } else {
      used.add(hit);
      cursor = hit + 1;
      found++;
    }
  }
  const extra = actual.filter((_, i) => !used.has(i)).map((a) => a.name);
  const ok = missing.length === 0 && wrong.length === 0 && (match === 'subset' || extra.length === 0);
  const parts: string[] = [];
  if (missing.length)
    parts.push(`missing ${order === 'strict' ? 'or out of order ' : ''}${missing.join(', ')}`);
  if (wrong.length) parts.push(...wrong);
  if (match === 'exact' && extra.length) parts.push(`unexpected ${extra.join(', ')}`);
  return {
    pass: ok,
    score: found / Math.max(expected.length, match === 'exact' ? actual.length : 0),
    reason: ok ? `all ${expected.length} expected tool calls made` : parts.join('; '),
  };
}

/**
 * The tool was called, but never with the expected arguments: which differ, against the call
 * of that tool with the fewest differences. Undefined when the tool was never called or some
 * call of it matches (then the expected call is missing or out of order).
 */
function wrongArguments(
  want: { name: string; arguments?: Record<string, unknown> },
  actual: ToolCall[],
): string | undefined {
  if (!want.arguments) return undefined;
  let best: string[] | undefined;
  let step = -1;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i]!.name !== want.name) continue;
    if (callMatches(want, actual[i]!)) return undefined;
    const d = argumentDifferences(want.arguments, actual[i]!.arguments, 'shallow');
    if (!best || d.length < best.length) {
      best = d;
      step = i;
    }
  }
  if (!best) return undefined;
  return `${want.name} called with the wrong arguments (call ${step + 1}): ${describeArgumentDifferences(best) || 'they do not match'}`;
}

/** Name must match; each expected argument must equal the actual one (extra actual arguments are fine). */
function callMatches(want: { name: string; arguments?: Record<string, unknown> }, got: ToolCall): boolean {
  if (want.name !== got.name) return false;
  if (!want.arguments) return true;
  const args = (got.arguments && typeof got.arguments === 'object' ? got.arguments : {}) as Record<
    string,
    unknown
  >;
  return Object.entries(want.arguments).every(([k, v]) => canonicalJson(args[k]) === canonicalJson(v));
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

function includes(haystack: string, needle: string, ignoreCase?: boolean): boolean {
  return ignoreCase ? haystack.toLowerCase().includes(needle.toLowerCase()) : haystack.includes(needle);
}

function verdict(pass: boolean, reason: string): Omit<GraderVerdict, 'grader'> {
  return { pass, score: pass ? 1 : 0, reason };
}

function quote(s: string): string {
  return JSON.stringify(short(s));
}

function short(s: string, max = 80): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
