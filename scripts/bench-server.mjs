// The fake OpenAI-compatible server in its own process, so the benchmark's client (the
// evalgate CLI) does not share an event loop with it. Needs Node >= 22.18 for type stripping
// (npm scripts run the node@24 dev dependency). Talks to the parent over IPC.
const { startFakeOpenAI } = await import('../test/helpers/fake-openai.ts');

const latencyMs = Number(process.argv[2] ?? 0);
// Keep no request bodies: at 100,000 requests they would only grow this process.
const server = await startFakeOpenAI({ latencyMs });
let served = 0;
let firstAt = 0;
let lastAt = 0;
const trim = setInterval(() => {
  if (server.requests.length > 0) {
    if (!firstAt) firstAt = server.requests[0].at;
    lastAt = server.requests.at(-1).at;
    served += server.requests.length;
    server.requests.length = 0;
  }
}, 5);
process.on('message', (msg) => {
  if (msg === 'stats') {
    if (!firstAt && server.requests.length) firstAt = server.requests[0].at;
    if (server.requests.length) lastAt = server.requests.at(-1).at;
    process.send({
      served: served + server.requests.length,
      firstAt,
      // When the last request arrived (its answer left latencyMs later).
      lastAt,
      maxInFlight: server.maxInFlight,
      connections: server.connections,
      // This process's own CPU, so the bench can show the server is not the bottleneck.
      cpuMs: (() => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      })(),
    });
  } else if (msg === 'close') {
    clearInterval(trim);
    server.close().then(() => process.exit(0));
  }
});
process.send({ url: server.url });
