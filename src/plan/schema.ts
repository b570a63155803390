import { z } from 'zod';

/**
 * What a component is, which decides what its change re-runs: a model change re-runs every
 * safety suite too, the others only the suites of the targets that use the component.
 */
export const COMPONENT_KINDS = ['prompt', 'model', 'retrieval', 'policy', 'tool', 'dataset'] as const;
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

export const ComponentSchema = z.strictObject({
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
});
export type ComponentSpec = z.output<typeof ComponentSchema>;

export const ComponentsSchema = z.record(componentName, ComponentSchema);
export type ComponentsSpec = z.output<typeof ComponentsSchema>;
