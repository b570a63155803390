// The same bot as a small JSON service, for the `http` target (evalgate.http.yml).
//
//   node app/server.mjs                 # listens on http://localhost:8787
//   curl -s localhost:8787/ask -H 'content-type: application/json' \
//     -d '{"question":"How long does standard shipping take?"}'
//
// POST /ask { question } → { answer, sources: [{ id, text }], citations: [id, ...] }
// The field names differ from what evalgate expects on purpose: the http target's
// `extract` maps them, as it would for a service you did not write for evalgate.

import { createServer } from 'node:http';
import { answer } from './bot.mjs';

const port = Number(process.env.PORT ?? 8787);
const MAX_BODY = 64 * 1024;

const server = createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  if (req.method === 'GET' && req.url === '/health') return send(200, { ok: true });
  if (req.url !== '/ask') return send(404, { error: 'not found: use POST /ask' });
  if (req.method !== 'POST') return send(405, { error: 'use POST' });

  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > MAX_BODY) return send(413, { error: 'request body too large' });
  }
  let question;
  try {
    question = JSON.parse(raw).question;
  } catch {
    return send(400, { error: 'body must be JSON: {"question": "..."}' });
  }
  if (typeof question !== 'string' || !question.trim()) {
    return send(400, { error: 'missing "question"' });
  }

  const { output, contexts, citations } = answer(question);
  send(200, { answer: output, sources: contexts, citations });
});

server.listen(port, () => console.log(`Kestrel support bot listening on http://localhost:${port}/ask`));

// Stop cleanly on Ctrl-C or when a CI step ends.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
