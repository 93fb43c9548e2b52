/** Column policies a steward sets on a platform dataset, and the roles of principals. */

export const COLUMN_POLICIES = ['id', 'feature', 'sensitive', 'forbidden', 'label'] as const;
export type ColumnPolicy = (typeof COLUMN_POLICIES)[number];

export const ROLES = ['bank', 'steward', 'researcher', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ColumnInfo {
  name: string;
  type: 'numeric' | 'categorical';
  policy: ColumnPolicy;
}
