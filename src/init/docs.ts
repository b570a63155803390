import { join } from 'node:path';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { DEFAULT_DOCS_DIR, DOCUMENTS, generateDocs } from '../docs/index.js';
import { CONFIG_FILE, type InitFile } from './scaffold.js';

/**
 * The four generated documents, as init lists them. They are rendered from the config on
 * disk, so init writes them after evalgate.yml (its own, or the one it kept), and a dry run,
 * which writes no config, lists them without rendering.
 */
export const INIT_DOCUMENTS: readonly { path: string; purpose: string }[] = DOCUMENTS.map((d) => ({
  path: `${DEFAULT_DOCS_DIR}/${d.file}`,
  purpose: `${d.title.charAt(0).toLowerCase()}${d.title.slice(1)}, generated from ${CONFIG_FILE} (npx evalgate docs)`,
}));

/**
 * The documents' contents, from `root`'s evalgate.yml; or why they cannot be rendered (a
 * config that does not load: the user's own, kept), for init to say rather than fail on.
 */
export async function renderInitDocuments(root: string): Promise<{ files: InitFile[] } | { error: string }> {
  try {
    const docs = await generateDocs(join(root, CONFIG_FILE));
    return {
      files: docs.map((d, i) => ({
        path: INIT_DOCUMENTS[i]!.path,
        purpose: INIT_DOCUMENTS[i]!.purpose,
        content: d.content,
      })),
    };
  } catch (e) {
    if (e instanceof ConfigErrors) return { error: e.errors[0]!.message };
    if (e instanceof ConfigError) return { error: e.message };
    throw e;
  }
}
