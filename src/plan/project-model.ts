import type { FileBlob } from '../changes/types.js';
import type { ProjectConfig, SuiteSpec, TargetSpec } from '../config/schema.js';
import type { ComponentKind } from './schema.js';

// The project model's shape, apart from model.ts that loads it, so that dependencies.ts
// (which model.ts calls while loading) can read a model without importing its loader.

/** A component's claim on one file: all of it (`keys: null`, minus keys others claim) or some key paths. */
export interface Claim {
  component: string;
  keys: string[] | null;
  /** Declared in `components:`; otherwise inferred from a target, and yielding to declared claims. */
  declared: boolean;
}

export interface ComponentInfo {
  name: string;
  kind: ComponentKind;
  declared: boolean;
  /** For an inferred component, the target it was inferred from. */
  target?: string;
}

export interface SuiteInfo {
  id: string;
  kind: 'regression' | 'safety';
  target: string;
  always: boolean;
  dependsOn: string[];
  file: string;
  datasets: string[];
  /** The validated suite file, for rendering its cases; absent for packs and unreadable suites. */
  spec?: SuiteSpec;
}

export interface TargetInfo {
  name: string;
  spec: TargetSpec;
  /** Components the target uses, sorted. */
  components: string[];
  /** What an openai target renders its requests from: prompt, the partials it includes, model file. */
  files: string[];
}

/** The project at one revision: what there is, and which file belongs to what. */
export interface ProjectModel {
  configFile: string;
  /** Absent when the config is missing or invalid (tolerated at base only). */
  config?: ProjectConfig;
  components: Map<string, ComponentInfo>;
  /** Effective claims per file, after declared components took precedence over inferred ones. */
  claims: Map<string, Claim[]>;
  targets: Map<string, TargetInfo>;
  suites: SuiteInfo[];
  /** Every file read while loading, by path. */
  blobs: Map<string, FileBlob>;
  warnings: string[];
}
