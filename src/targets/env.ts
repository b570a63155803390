/**
 * `${env:NAME}` references in target config (url, baseURL, headers, command env).
 *
 * Values are resolved from the env the CLI hands in, never from process.env, and never appear
 * in error messages: they are often secrets.
 */
const REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ANY_REF = /\$\{env:([^}]*)\}?/g;

export type Env = Record<string, string | undefined>;

/** Names referenced by `text`, in order of first use. Throws Error on a malformed reference. */
export function envReferences(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(ANY_REF)) {
    const name = match[1]!;
    if (!match[0].endsWith('}') || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(`invalid environment reference '${match[0]}': expected \${env:NAME}`);
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

export function hasEnvReference(text: string): boolean {
  return text.includes('${env:');
}

/**
 * Replaces every reference with its value. `missing` builds the error for an unset variable;
 * an empty string counts as set, because some services take an empty key.
 */
export function resolveEnv(text: string, env: Env, missing: (name: string) => Error): string {
  if (!hasEnvReference(text)) return text;
  for (const name of envReferences(text)) if (env[name] === undefined) throw missing(name);
  return text.replace(REF, (_, name: string) => env[name]!);
}

/** Substitutes values captured earlier (see the http target: the prepared URL keeps the references). */
export function substituteEnv(text: string, values: ReadonlyMap<string, string>): string {
  if (!hasEnvReference(text)) return text;
  return text.replace(REF, (ref, name: string) => values.get(name) ?? ref);
}
