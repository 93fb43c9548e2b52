/** The bank's labels put into its upload's row order by enterprise id, so encrypted-label training never pairs a label with another enterprise's row. */
import { JointlabError } from '../errors';

/** Labels keyed by enterprise id, in any order: `values[i]` belongs to `ids[i]`. */
export interface KeyedLabels {
  ids: readonly string[];
  values: ArrayLike<number>;
  /** Where they came from (a file name), for the message. */
  source?: string;
}

/** How many ids a message names before it says "...": enough to find the rows, short enough to read. */
const NAMED = 5;

function named(ids: string[]): string {
  return `${ids.length} (${ids.slice(0, NAMED).join(', ')}${ids.length > NAMED ? ', ...' : ''})`;
}

/**
 * The labels in the order of `uploadIds` (the rows the enclave's design follows). Refuses, naming
 * the ids, unless every uploaded id has exactly one label and every label belongs to an uploaded id:
 * a label file in another order, with a row too few or one too many, must never train silently.
 */
export function alignLabels(uploadIds: readonly string[], labels: KeyedLabels): Float64Array {
  if (labels.ids.length !== labels.values.length) throw new RangeError('one label per id');
  const byId = new Map<string, number>();
  const duplicated = new Set<string>();
  labels.ids.forEach((id, i) => {
    if (byId.has(id)) duplicated.add(id);
    else byId.set(id, labels.values[i]);
  });
  const uploaded = new Set(uploadIds);
  const missing = [...uploaded].filter((id) => !byId.has(id));
  const extra = [...byId.keys()].filter((id) => !uploaded.has(id));
  const problems: string[] = [];
  if (missing.length) problems.push(`${named(missing)} uploaded id${missing.length === 1 ? ' has' : 's have'} no label`);
  if (duplicated.size) problems.push(`${named([...duplicated])} id${duplicated.size === 1 ? ' has' : 's have'} more than one label`);
  if (extra.length) problems.push(`${named(extra)} labelled id${extra.length === 1 ? ' is' : 's are'} not in the upload`);
  if (problems.length) {
    throw new JointlabError(
      'labels_misaligned',
      `${labels.source ? `${labels.source}: ` : ''}the labels must match the upload's ${uploaded.size} ids one to one (they are paired by id, not by row order): ${problems.join('; ')}`,
      'validation',
    );
  }
  return Float64Array.from(uploadIds, (id) => byId.get(id)!);
}
