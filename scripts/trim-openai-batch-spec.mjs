#!/usr/bin/env node
// Trims OpenAI's published OpenAPI description (github.com/openai/openai-openapi, openapi.yaml)
// down to the schemas of the Files and Batches calls `evalgate run --batch` makes, plus every
// schema they reach through $ref, and writes test/fixtures/openai-batch-openapi.json. The local
// batch server of the tests (test/helpers/fake-openai-batch.ts) validates the requests it gets
// and its own answers against it, so it cannot drift from the published shapes.
//
// Regenerate: node scripts/trim-openai-batch-spec.mjs path/to/openapi.yaml COMMIT
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const ROOTS = ['Batch', 'OpenAIFile', 'CreateBatchRequest', 'CreateFileRequest', 'ListBatchesResponse'];
const DOC_ONLY = new Set([
  'description',
  'example',
  'examples',
  'x-oaiMeta',
  'x-oaiTypeLabel',
  'x-stainless-const',
  'title',
  'deprecated',
]);

const [file, commit] = process.argv.slice(2);
const spec = parse(readFileSync(file, 'utf8'), { maxAliasCount: -1 });
const all = spec.components.schemas;
const out = {};
const visit = (name) => {
  if (out[name]) return;
  out[name] = strip(all[name]);
};
const strip = (value) => {
  if (Array.isArray(value)) return value.map(strip);
  if (!value || typeof value !== 'object') return value;
  const copy = {};
  for (const key of Object.keys(value).sort()) {
    if (DOC_ONLY.has(key)) continue;
    if (key === '$ref') visit(value.$ref.split('/').at(-1));
    copy[key] = strip(value[key]);
  }
  return copy;
};
for (const name of ROOTS) visit(name);
const sorted = Object.fromEntries(
  Object.keys(out)
    .sort()
    .map((k) => [k, out[k]]),
);
writeFileSync(
  new URL('../test/fixtures/openai-batch-openapi.json', import.meta.url),
  `${JSON.stringify({ source: `openai/openai-openapi@${commit} openapi.yaml`, components: { schemas: sorted } }, null, 2)}\n`,
);
