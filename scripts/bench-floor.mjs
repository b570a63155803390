// The floor under `npm run bench`'s throughput figures: a client that does nothing but send
// the bench's chat completions (the same bodies, the same server, the same concurrency) over
// undici's connection pool, and parse each answer. No SDK, no config, no grading, no journal,
// no Results document. Its wall time, process start to exit, is what this machine and this
// server allow any Node client; evalgate's distance above it is evalgate's own cost.
//   node scripts/bench-floor.mjs URL N CONCURRENCY
import { Pool } from 'undici';
import { BENCH_MODEL, BENCH_SYSTEM, benchQuestion } from './bench-kit.mjs';

const [url, n, concurrency] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const base = new URL(url);
const pool = new Pool(base.origin, { connections: concurrency });
const path = `${base.pathname.replace(/\/$/, '')}/chat/completions`;
let next = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const body = JSON.stringify({
        ...BENCH_MODEL,
        messages: [
          { role: 'system', content: BENCH_SYSTEM },
          { role: 'user', content: benchQuestion(i) },
        ],
      });
      const res = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
        body,
      });
      const answer = JSON.parse(await res.body.text());
      if (res.statusCode !== 200 || !answer.choices?.[0]?.message) failed++;
    }
  }),
);
await pool.close();
if (failed) {
  console.error(`${failed} requests failed`);
  process.exit(1);
}
