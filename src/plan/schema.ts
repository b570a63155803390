import { z } from 'zod';

/**
 * What a component is, which decides what its change re-runs: a model change re-runs every
 * safety suite too, the others only the suites of the targets that use the component.
 * `code` is the application of a `command` or `http` target: its files are versioned by
 * their bytes, not their meaning (whitespace can matter in code), and it takes no `keys`.
 */
export const COMPONENT_KINDS = ['prompt', 'model', 'retrieval', 'policy', 'tool', 'dataset', 'code'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/**
 * No `:` in names: the plan uses `suite:<id>` and `config:<file>` for the suite files and
 * the config itself, and those must never collide with a declared component.
 */
export const componentName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'letters, digits and . _ / - (starting with a letter or digit)');

/** `retrieval`, `retriever.embedding.model`, `tools.0`: object keys (or array indexes) joined by dots. */
export const keyPath = z
  .string()
  .min(1)
  .regex(/^[^.]+(\.[^.]+)*$/, 'a key path like `retrieval.top_k`: keys joined by dots, none empty');

export const ComponentSchema = z
  .strictObject({
    kind: z.enum(COMPONENT_KINDS),
    description: z.string().optional(),
    /** Files of the component: paths or globs relative to the project root. */
    paths: z.array(z.string().min(1)).min(1),
    /**
     * Only these key paths of the matched YAML/JSON files (or of a Markdown file's front
     * matter) belong to the component. Left out: the whole file, minus keys other
     * components claim.
     */
    keys: z.array(keyPath).min(1).optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.kind === 'code' && spec.keys)
      ctx.addIssue({
        code: 'custom',
        path: ['keys'],
        message: 'a component of kind code takes no keys: any byte change to its files is a change',
      });
  });
export type ComponentSpec = z.output<typeof ComponentSchema>;

export const ComponentsSchema = z.record(componentName, ComponentSchema);
export type ComponentsSpec = z.output<typeof ComponentsSchema>;

/** The part of a target the code check reads: its type and the components it lists. */
export interface CodeCheckTarget {
  type: string;
  components?: string[] | undefined;
  /** The target's code lives elsewhere, and why (config: `externalCode`). */
  externalCode?: string | undefined;
}

/**
 * One warning for each `command` or `http` target no component of kind `code` reaches: that
 * target runs the team's own application, and a change to it would otherwise plan as
 * "nothing affected", a green check on nothing. A component reaches a target as in the
 * plan (src/plan/dependencies.ts): listed in its `components`, or, for a target that lists
 * none, declared and listed by no target. `openai` targets run no code of the team's.
 */
export function uncoveredCodeTargets(
  targets: Record<string, CodeCheckTarget>,
  components: Record<string, { kind: ComponentKind }>,
): { target: string; message: string }[] {
  const code = Object.keys(components).filter((name) => components[name]!.kind === 'code');
  const listed = new Set(Object.values(targets).flatMap((t) => t.components ?? []));
  const unlisted = code.filter((name) => !listed.has(name));
  const uncovered: { target: string; message: string }[] = [];
  for (const [name, target] of Object.entries(targets)) {
    if (target.type !== 'command' && target.type !== 'http') continue;
    if (target.externalCode !== undefined) continue;
    const reaching = target.components === undefined ? unlisted : target.components;
    if (reaching.some((c) => components[c]?.kind === 'code')) continue;
    uncovered.push({
      target: name,
      message: `target '${name}' runs code no component claims: a change to it is not detected; add a component of kind code with its paths (or, for code that lives in another repository, say so in the target's externalCode)`,
    });
  }
  return uncovered;
}
