/** The shared benchmark data as the benchmarks read it: guest and host joined on id, every feature, the fixed train/test split. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { frameOf, labelsOf, splitOf } from '../lab/data/columns';
import { loadJoined } from '../lab/train';
import { Frame, takeLabels, takeRows } from '../models/frame';

export const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');

export interface SharedSplit {
  /** Every row, the features of guest and host (x0.. prefixed by file where they clash). */
  frame: Frame;
  labels: Uint8Array;
  train: { frame: Frame; y: Uint8Array; rows: Int32Array };
  test: { frame: Frame; y: Uint8Array; rows: Int32Array };
}

/** The split, or undefined (with a line saying so) when ../shared/datasets is not there. */
export function sharedSplit(what: string): SharedSplit | undefined {
  const files = ['default_credit_hetero_guest.csv', 'default_credit_hetero_host.csv', 'default_credit_split.csv'].map((f) => join(SHARED, f));
  if (!files.every(existsSync)) {
    console.log(`${what} skipped: ${SHARED} not found`);
    return undefined;
  }
  const joined = loadJoined(files, 'id');
  const frame = frameOf(joined, joined.names.filter((n) => n !== 'y' && n !== 'split'), new Set());
  const labels = labelsOf(joined, 'y');
  const parts = splitOf(joined, 'split');
  const part = (rows: Int32Array) => ({ frame: takeRows(frame, rows), y: takeLabels(labels, rows), rows });
  return { frame, labels, train: part(parts.train), test: part(parts.test) };
}
