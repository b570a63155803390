/**
 * Test doubles for the runner: virtual time, an in-memory target, and loaded cases built
 * directly (no YAML). Not imported by production code.
 */
import { tempDir as testTempDir } from '../helpers/tmp.js';
import type { LoadedCase, LoadedProject, LoadedSuite } from '../../src/config/load.js';
import type { ProjectConfig } from '../../src/config/schema.js';
import type { PositionedDocument } from '../../src/config/yaml.js';
import type { Grader } from '../../src/graders/types.js';
import type { GraderVerdict, TargetInfo } from '../../src/results/types.js';
import type {
  CaseInput,
  InvokeOptions,
  InvokeResult,
  PreparedRequest,
  Target,
} from '../../src/targets/types.js';
import type { Clock } from '../../src/runner/clock.js';

/**
 * Virtual time: `sleep` registers a timer; once everything runnable has run (a setImmediate
 * turn), time jumps to the earliest timer and fires it. Tests take no wall time, and
 * timestamps are exact, so latencies and pauses can be asserted to the millisecond.
 */
export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fire: () => void }[] = [];
  private scheduled = false;

  constructor(start = 0) {
    this.t = start;
  }

  now = (): number => this.t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.schedule();
    });

  setTimer = (ms: number, fn: () => void): (() => void) => {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fire: fn };
    this.timers.push(timer);
    this.schedule();
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  };

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.timers.length === 0) return;
      let next = this.timers[0]!;
      for (const x of this.timers) if (x.at < next.at || (x.at === next.at && x.seq < next.seq)) next = x;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fire();
      this.schedule();
    });
  }
}

export interface FakeCall {
  caseId: string;
  sample: number;
  attempt: number;
  at: number;
  signal: AbortSignal;
}

export type FakeBehaviour = (call: FakeCall) => InvokeResult | Promise<InvokeResult>;

export interface FakeTarget extends Target {
  calls: FakeCall[];
  inFlight: number;
  maxInFlight: number;
  /** Start times of invocations, in order. */
  starts: number[];
}

/**
 * An in-memory target. The request body holds the case id and vars but not the sample index:
 * like real targets, repeats send identical requests and only the cache key tells them apart.
 */
export function fakeTarget(
  clock: Clock,
  behaviour: FakeBehaviour,
  options: { name?: string; info?: TargetInfo } = {},
): FakeTarget {
  const name = options.name ?? 'bot';
  const attempts = new Map<string, number>();
  const sampleOf = new WeakMap<PreparedRequest, number>();
  const target: FakeTarget = {
    name,
    info: options.info ?? { kind: 'http' },
    calls: [],
    inFlight: 0,
    maxInFlight: 0,
    starts: [],
    prepare(input: CaseInput): PreparedRequest {
      if (input.vars.broken) throw new Error(`missing variable 'x'`);
      const request: PreparedRequest = {
        target: name,
        kind: 'http',
        body: { caseId: input.caseId, vars: input.vars },
      };
      sampleOf.set(request, input.sample);
      return request;
    },
    async invoke(request: PreparedRequest, opts: InvokeOptions): Promise<InvokeResult> {
      const body = request.body as { caseId: string };
      const sample = sampleOf.get(request) ?? -1;
      const key = `${body.caseId}#${sample}`;
      const attempt = attempts.get(key) ?? 0;
      attempts.set(key, attempt + 1);
      const call: FakeCall = { caseId: body.caseId, sample, attempt, at: clock.now(), signal: opts.signal };
      target.calls.push(call);
      target.starts.push(clock.now());
      target.inFlight++;
      target.maxInFlight = Math.max(target.maxInFlight, target.inFlight);
      try {
        return await behaviour(call);
      } finally {
        target.inFlight--;
      }
    },
  };
  return target;
}

/** A reply after `latencyMs` of virtual time. */
export async function reply(
  clock: Clock,
  latencyMs: number,
  text: string,
  extra: Partial<InvokeResult['output']> = {},
  headers?: Record<string, string>,
): Promise<InvokeResult> {
  await clock.sleep(latencyMs);
  return { output: { output: text, ...extra }, ...(headers && { headers }) };
}

export function grader(name: string, grade: Grader['grade']): Grader {
  return { name, grade };
}

/** Passes when the output contains `value`. */
export function contains(value: string): Grader {
  return grader(`contains:${value}`, ({ output }) => {
    const pass = output.output.includes(value);
    return { grader: `contains:${value}`, pass, score: pass ? 1 : 0, reason: pass ? 'found' : 'missing' };
  });
}

export function verdict(name: string, pass: boolean, score = pass ? 1 : 0, error?: boolean): GraderVerdict {
  return { grader: name, pass, score, reason: 'test', ...(error && { error }) };
}

let rootCounter = 0;

/** A fresh folder, removed after the test file (test/helpers/tmp.ts). */
export function tempDir(prefix = 'evalgate-runner-'): string {
  return testTempDir(`${prefix}${rootCounter++}-`);
}

export function makeCase(id: string, suite: string, overrides: Partial<LoadedCase> = {}): LoadedCase {
  return {
    id,
    suite,
    vars: { q: id },
    tags: {},
    blocker: false,
    repeat: 1,
    graders: [contains('ok')],
    location: { file: '/project/suites/s.yml', line: 1 },
    ...overrides,
  };
}

export function makeSuite(
  id: string,
  cases: LoadedCase[],
  overrides: Partial<LoadedSuite> = {},
): LoadedSuite {
  return {
    id,
    tier: 'trusted',
    kind: 'regression',
    target: 'bot',
    repeat: 1,
    always: false,
    dependsOn: [],
    file: '/project/suites/s.yml',
    datasets: [],
    contentHash: `hash-${id}`,
    cases,
    ...overrides,
  };
}

export function makeProject(config: Partial<ProjectConfig> = {}): LoadedProject {
  return {
    configPath: '/project/evalgate.yml',
    rootDir: '/project',
    configHash: 'cfg0000000000000',
    config: {
      version: 1,
      targets: {
        bot: {
          type: 'http',
          url: 'http://x',
          method: 'POST',
          // An http target caches only when it says so; the cache tests need it to.
          cache: true,
          extract: { output: 'output', contextId: 'id', contextText: 'text' },
        },
      },
      suites: ['suites/*.yml'],
      concurrency: 8,
      timeoutMs: 60_000,
      retries: 4,
      cache: { enabled: true, dir: '.evalgate/cache' },
      output: 'evalgate-results.json',
      prices: {},
      ...config,
    } as ProjectConfig,
    document: {} as PositionedDocument,
    suites: [],
    warnings: [],
  };
}
