/** Column policies a steward sets on a platform dataset, and the roles of principals. */

export const COLUMN_POLICIES = ['id', 'feature', 'sensitive', 'forbidden', 'label'] as const;
export type ColumnPolicy = (typeof COLUMN_POLICIES)[number];

/** What a bank may use an enterprise's data for, each under its own consent. */
export const PURPOSES = ['training', 'scoring', 'report'] as const;

export const ROLES = ['bank', 'steward', 'researcher', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ColumnInfo {
  name: string;
  type: 'numeric' | 'categorical';
  policy: ColumnPolicy;
}
