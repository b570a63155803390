// A stochastic OpenAI-compatible server in its own process, for scripts/gate-power.mjs: the
// system under test of an end-to-end measurement of the gate's false alarms and power.
// Needs Node >= 22.18 for type stripping (npm scripts run the node@24 dev dependency).
// Talks to the parent over IPC, as scripts/bench-server.mjs does.
//
// The model it plays, per request:
//   trial   the `X-Power-Stream` header, `<trial>/<stream>`: each trial is a fresh suite with
//           its own per-case pass probabilities p_i, drawn as the in-process simulations draw
//           them (realisticPassProbabilities, src/compare/synthetic.ts: 75% near 1, 10% near 0,
//           15% flaky in [0.3, 0.7]).
//   case    `Question <i>` in the last user message.
//   version a system message naming `v2` is the broken version: the first `broken` cases with
//           p_i >= 0.97 (the reliably passing ones) answer correctly with probability `brokenP`.
//   answer  correct (`ANSWER-<i>`, which the suite's `contains` grader expects) with
//           probability p_i, on a fresh coin per request: seeded by (seed, stream, case, how
//           many times this stream has asked this case), so a whole measurement is reproducible
//           whatever order concurrent requests arrive in.
// Anything else (no stream header, no case number) is answered 400: the measurement must fail
// loudly, never count a malformed request as a wrong answer.
const { startFakeOpenAI } = await import('../test/helpers/fake-openai.ts');
const { createRng } = await import('../src/compare/stats/rng.ts');

const options = JSON.parse(process.argv[2] ?? '{}');
const seed = options.seed ?? 1;
const cases = options.cases ?? 200;
const broken = options.broken ?? 20;
const brokenP = options.brokenP ?? 0.02;

/** The same draw as realisticPassProbabilities in src/compare/synthetic.ts (which type stripping cannot import). */
function passProbabilities(n, rng) {
  return Array.from({ length: n }, () => {
    const u = rng.next();
    if (u < 0.15) return 0.3 + 0.4 * rng.next();
    if (u < 0.25) return 0.05 * rng.next();
    return 0.97 + 0.03 * rng.next();
  });
}

/** Per trial: its probabilities, the cases the broken version breaks, and the per-stream call counts. */
const trials = new Map();
function trialState(trial) {
  let t = trials.get(trial);
  if (!t) {
    const p = passProbabilities(cases, createRng(`${seed}:trial:${trial}`));
    const breaks = new Set(p.flatMap((x, i) => (x >= 0.97 ? [i] : [])).slice(0, broken));
    t = { p, breaks, counts: new Map() };
    trials.set(trial, t);
  }
  return t;
}

let served = 0;
let correct = 0;
const reject = (message) => ({ status: 400, json: { error: { message, type: 'invalid_request_error' } } });

function decide({ body, headers }) {
  const stream = String(headers['x-power-stream'] ?? '');
  const m = /^(\d+)\/./.exec(stream);
  if (!m) return reject(`missing or malformed X-Power-Stream header: '${stream}'`);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const text = (role) =>
    messages
      .filter((x) => x.role === role)
      .map((x) => (typeof x.content === 'string' ? x.content : ''))
      .join('\n');
  const q = /Question (\d+)\b/.exec(text('user'));
  const i = q ? Number(q[1]) : -1;
  if (!(i >= 0 && i < cases)) return reject(`no case number in the user message`);
  const t = trialState(Number(m[1]));
  const isBroken = /\bv2\b/.test(text('system'));
  const p = isBroken && t.breaks.has(i) ? brokenP : t.p[i];
  const key = `${stream}|${i}`;
  const n = t.counts.get(key) ?? 0;
  t.counts.set(key, n + 1);
  const pass = createRng(`${seed}:${key}:${n}`).next() < p;
  served++;
  if (pass) correct++;
  // A wrong answer, not a refusal or an abstention: the refusal detector must not read it as one.
  return { content: pass ? `The answer is ANSWER-${i}.` : 'The answer is 42.' };
}

const server = await startFakeOpenAI({
  latencyMs: options.latencyMs ?? 0,
  script: (req) => {
    // Keep no request bodies: a measurement makes hundreds of thousands of requests.
    server.requests.length = 0;
    return decide(req);
  },
});

process.on('message', (msg) => {
  if (msg?.forget !== undefined) trials.delete(msg.forget);
  else if (msg === 'stats') process.send({ served, correct, trials: trials.size });
  else if (msg === 'close') server.close().then(() => process.exit(0));
});
// The parent died without saying goodbye: do not outlive it.
process.on('disconnect', () => process.exit(0));
process.send({ url: server.url });
