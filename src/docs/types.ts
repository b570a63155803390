import type { DocsFacts } from './facts.js';

/** One generated document: its file, what of the facts it reads, and how it renders them. */
export interface DocumentSpec<I> {
  /** File name inside the documents' folder. */
  file: string;
  title: string;
  /** The slice of the facts the document depends on: what its marker's hash covers. */
  inputs(facts: DocsFacts): I;
  /** The Markdown below the marker. Pure; reads nothing but `inputs`. */
  render(inputs: I): string;
}
