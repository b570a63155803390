#!/usr/bin/env node
// Trims GitHub's official OpenAPI description (npm package @octokit/openapi) down to the operations
// evalgate calls, plus every component they reach through $ref, and writes
// test/fixtures/github-openapi.json. The fake GitHub used in tests validates requests and its own
// responses against this file, so it cannot drift from GitHub's real shapes.
//
// Regenerate (the package is not a dependency; fetch it into a scratch directory):
//   cd /tmp && npm pack @octokit/openapi@<version> && tar xzf octokit-openapi-<version>.tgz
//   node scripts/trim-openapi.mjs /tmp/package/generated/api.github.com.json
//
// Output is deterministic: object keys are sorted, documentation-only fields (descriptions,
// examples, x-github metadata) are dropped, so a diff shows only changes in shape.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The operations evalgate makes, as `METHOD path`. Keep in sync with src/github/client.ts. */
export const OPERATIONS = [
  'GET /repos/{owner}/{repo}',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'POST /repos/{owner}/{repo}/check-runs',
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
  'GET /repos/{owner}/{repo}/git/ref/{ref}',
  'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
  'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
  'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
  'POST /repos/{owner}/{repo}/git/blobs',
  'POST /repos/{owner}/{repo}/git/trees',
  'POST /repos/{owner}/{repo}/git/commits',
  'POST /repos/{owner}/{repo}/git/refs',
  'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
  'GET /user',
  // The incident workflow (src/production/incident): one issue per incident, the add-case pull request.
  'GET /repos/{owner}/{repo}/issues',
  'POST /repos/{owner}/{repo}/issues',
  'PATCH /repos/{owner}/{repo}/issues/{issue_number}',
  'GET /repos/{owner}/{repo}/pulls',
  'POST /repos/{owner}/{repo}/pulls',
];

/** Keys that only document; dropped unless they name a property (inside `properties`). */
const DOC_KEYS = new Set(['description', 'example', 'examples', 'externalDocs', 'tags']);

/**
 * Drops documentation-only keys. `properties` maps property names to schemas, so its own keys are
 * never dropped (a property may well be called "description").
 */
function strip(node, parentKey) {
  if (Array.isArray(node)) return node.map((item) => strip(item, undefined));
  if (node === null || typeof node !== 'object') return node;
  const namesProperties = parentKey === 'properties' || parentKey === 'patternProperties';
  const out = {};
  for (const key of Object.keys(node)) {
    if (!namesProperties && (DOC_KEYS.has(key) || key.startsWith('x-'))) continue;
    out[key] = strip(node[key], namesProperties ? undefined : key);
  }
  return out;
}

function sortKeys(node) {
  if (Array.isArray(node)) return node.map(sortKeys);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const key of Object.keys(node).sort()) out[key] = sortKeys(node[key]);
  return out;
}

function collectRefs(node, into) {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.push(value);
      else collectRefs(value, into);
    }
  }
}

export function trim(full, { packageVersion } = {}) {
  const paths = {};
  for (const operation of OPERATIONS) {
    const [method, path] = operation.split(' ');
    const item = full.paths?.[path]?.[method.toLowerCase()];
    if (!item) throw new Error(`operation not found in the description: ${operation}`);
    const pathItem = (paths[path] ??= {});
    // Docs URL survives stripping under its own name: the fake puts it in documentation_url.
    const documentationUrl = item.externalDocs?.url;
    pathItem[method.toLowerCase()] = {
      ...strip(item),
      ...(documentationUrl ? { 'x-documentation-url': documentationUrl } : {}),
    };
    if (full.paths[path].parameters) pathItem.parameters = strip(full.paths[path].parameters);
  }

  // Resolve components transitively: start from what the operations reference.
  const components = {};
  const pending = [];
  collectRefs(paths, pending);
  const seen = new Set();
  while (pending.length > 0) {
    const ref = pending.pop();
    if (seen.has(ref)) continue;
    seen.add(ref);
    const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
    if (!match) throw new Error(`unsupported $ref: ${ref}`);
    const [, kind, name] = match;
    const target = full.components?.[kind]?.[name];
    if (target === undefined) throw new Error(`dangling $ref: ${ref}`);
    const stripped = strip(target);
    (components[kind] ??= {})[name] = stripped;
    collectRefs(stripped, pending);
  }

  // The provenance note comes first so a reader sees it at the top; everything below is sorted.
  return {
    'x-evalgate-source': {
      package: '@octokit/openapi',
      packageVersion: packageVersion ?? 'unknown',
      file: 'generated/api.github.com.json',
      regenerate:
        'cd /tmp && npm pack @octokit/openapi@<version> && tar xzf octokit-openapi-<version>.tgz && ' +
        'node scripts/trim-openapi.mjs /tmp/package/generated/api.github.com.json',
      note: 'Generated by scripts/trim-openapi.mjs: do not edit. Descriptions, examples and x-github metadata are dropped.',
      operations: OPERATIONS,
    },
    ...sortKeys({
      openapi: full.openapi,
      info: { title: full.info?.title, version: full.info?.version },
      servers: full.servers,
      paths,
      components,
    }),
  };
}

function main() {
  const input = process.argv[2];
  if (!input) {
    console.error(
      'usage: node scripts/trim-openapi.mjs <path to @octokit/openapi generated/api.github.com.json>',
    );
    process.exit(2);
  }
  const full = JSON.parse(readFileSync(input, 'utf8'));
  let packageVersion;
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(resolve(input)), '..', 'package.json'), 'utf8'));
    if (pkg.name === '@octokit/openapi') packageVersion = pkg.version;
  } catch {
    // The description was copied out of its package; the version stays "unknown".
  }
  const trimmed = trim(full, { packageVersion });
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const output = join(root, 'test', 'fixtures', 'github-openapi.json');
  const text = `${JSON.stringify(trimmed, null, 2)}\n`;
  writeFileSync(output, text);
  const counts = Object.fromEntries(
    Object.entries(trimmed.components).map(([kind, entries]) => [kind, Object.keys(entries).length]),
  );
  console.log(
    `wrote ${output}: ${OPERATIONS.length} operations, components ${JSON.stringify(counts)}, ${text.length} bytes`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
