import { z } from 'zod';
import { COMPONENT_KINDS } from './schema.js';

/**
 * The Plan document: what changed between base and head, and which suites that affects and
 * why. Written by `evalgate plan --json`, read by `evalgate run --plan`. Bump the version on
 * any change a reader could notice.
 *
 * Paths are relative to the project directory (where evalgate.yml is), POSIX style; `root`
 * says where that directory is in the repository.
 */
export const PLAN_SCHEMA_VERSION = 3;
/**
 * Versions this evalgate reads. A version 2 plan is a version 3 plan without the component
 * kind `code`; a version 1 plan is a version 2 plan without `effect`: every change in it
 * selects suites, as every change without `effect` does. Version 3 exists so that an
 * evalgate that predates `code` refuses a plan that may hold one by its version ("make the
 * plan again"), rather than as a corrupt file.
 */
export const READABLE_PLAN_VERSIONS: readonly number[] = [1, 2, 3];

/** The change name of a suite's own files (suite file and datasets). */
export const suiteComponent = (id: string) => `suite:${id}`;
/** The change name of the config file itself. */
export const configComponent = (file: string) => `config:${file}`;

const version = z.string().nullable();
const changeKind = z.enum([...COMPONENT_KINDS, 'suite', 'config']);
const revision = z.strictObject({ ref: z.string(), sha: z.string() });

export const ChangeSchema = z.strictObject({
  /** A component name; `suite:<id>` for a suite's file and datasets; `config:<file>` for evalgate.yml. */
  component: z.string(),
  kind: changeKind,
  status: z.enum(['added', 'modified', 'removed']),
  /** Version id at base and at head; null where the component has no file. */
  old: version,
  new: version,
  /** Changed files behind it. */
  files: z.array(z.string()),
  /**
   * What the change does to what is sent, when that can be rendered: the change is a modified
   * component whose targets are all openai targets and whose changed files are all prompt,
   * partial or model files of theirs. Every case of every head suite of those targets is
   * rendered with the base files and with the head files, by the function the runner builds
   * requests with, and each pair is compared by its response-cache key (SHA-256 of the
   * canonical request). `none`: every request is byte-identical, so the change selects no
   * suite (and answers come from the cache); `changed`: `requests.changed` of them differ.
   * Left out when the requests cannot be rendered (http and command targets, other files,
   * added or removed components, no cases, a render error: see `warnings`); the change then
   * selects suites as any change does.
   */
  effect: z.enum(['none', 'changed']).optional(),
  /** Requests rendered (case × `repeat`, summed over the suites) and how many of them differ. */
  requests: z
    .strictObject({ total: z.number().int().positive(), changed: z.number().int().min(0) })
    .optional(),
});
export type Change = z.output<typeof ChangeSchema>;

export const FileChangeSchema = z.strictObject({
  path: z.string(),
  status: z.enum(['added', 'modified', 'deleted', 'renamed']),
  previousPath: z.string().optional(),
  binary: z.boolean(),
  /** Changes this file is part of. Empty, and not `unclassified`: nothing it says changed. */
  components: z.array(z.string()),
  /** Part of what changed belongs to no component (a file, or keys of a file, nobody claims). */
  unclassified: z.boolean(),
});
export type FileChange = z.output<typeof FileChangeSchema>;

const componentReason = <T extends string>(type: T) =>
  z.strictObject({
    type: z.literal(type),
    component: z.string(),
    kind: changeKind,
    old: version,
    new: version,
  });

export const ReasonSchema = z.discriminatedUnion('type', [
  /** The suite's own file or a dataset changed, or the suite is new. */
  componentReason('suite'),
  /** evalgate.yml changed: everything runs. */
  componentReason('config'),
  /** A component the suite's target uses changed. */
  componentReason('component'),
  /** A model changed somewhere: every safety suite runs. */
  componentReason('safety'),
  /** A changed file matched one of the suite's `dependsOn` globs. */
  z.strictObject({ type: z.literal('dependsOn'), pattern: z.string(), path: z.string() }),
  /** `always: true`. */
  z.strictObject({ type: z.literal('always') }),
]);
export type Reason = z.output<typeof ReasonSchema>;

export const PlannedSuiteSchema = z.strictObject({
  id: z.string(),
  target: z.string(),
  kind: z.enum(['regression', 'safety']),
  file: z.string(),
  reasons: z.array(ReasonSchema).min(1),
});
export type PlannedSuite = z.output<typeof PlannedSuiteSchema>;

const componentVersion = z.strictObject({ kind: z.enum(COMPONENT_KINDS), version: z.string() });

export const PlanSchema = z.strictObject({
  schemaVersion: z.union([z.literal(1), z.literal(2), z.literal(PLAN_SCHEMA_VERSION)]),
  base: revision,
  head: revision,
  /** The commit the diff is taken from (`base...head`). */
  mergeBase: z.string(),
  /** evalgate.yml, repository-relative. */
  config: z.string(),
  /** The project directory, repository-relative (`.` at the top). */
  root: z.string(),
  /** One line for people: how much runs, and why, or why nothing does. */
  summary: z.string(),
  changes: z.array(ChangeSchema),
  files: z.array(FileChangeSchema),
  /** Suites to run, by id, each with why; a change whose `effect` is `none` is no reason. */
  suites: z.array(PlannedSuiteSchema),
  /** Suites at head that nothing touched. */
  unaffected: z.array(z.string()),
  /** Suites deleted at head: reported, not run. */
  removed: z.array(z.strictObject({ id: z.string(), file: z.string() })),
  /** Component versions at head (what `RunInfo.components` records). */
  components: z.record(z.string(), componentVersion),
  /** Target system versions at head (what `TargetInfo.systemVersion` records). */
  targets: z.record(
    z.string(),
    z.strictObject({ systemVersion: z.string(), components: z.array(z.string()) }),
  ),
  warnings: z.array(z.string()),
  /**
   * What running the planned suites will cost (src/plan/estimate.ts): calls, tokens and USD,
   * estimated from the requests at head; absent when the plan was not made on the working tree.
   */
  estimate: z
    .strictObject({
      calls: z.number(),
      judgeCalls: z.number(),
      promptTokens: z.number(),
      completionTokens: z.number(),
      costUSD: z.number().nullable(),
      upperBound: z.boolean(),
      unpricedCalls: z.number(),
      /** The response cache's part (absent in plans written before it was counted). */
      cacheChecked: z.boolean().optional(),
      cachedCalls: z.number().optional(),
      costToSendUSD: z.number().nullable().optional(),
      targets: z.array(
        z.strictObject({
          target: z.string(),
          kind: z.string(),
          model: z.string().optional(),
          calls: z.number(),
          promptTokens: z.number(),
          completionTokens: z.number(),
          costUSD: z.number().nullable(),
          cachedCalls: z.number().optional(),
          costToSendUSD: z.number().nullable().optional(),
          notes: z.array(z.string()),
        }),
      ),
      judge: z
        .strictObject({ model: z.string(), calls: z.number(), costUSD: z.number().nullable() })
        .optional(),
      notes: z.array(z.string()),
      /** budget.maxCostUSD, and whether a run of this plan would be refused by it. */
      maxCostUSD: z.number().optional(),
      refused: z.string().optional(),
    })
    .optional(),
});
export type Plan = z.output<typeof PlanSchema>;
