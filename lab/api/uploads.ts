/** A bank's own tables as the API describes them (`/v1/uploads`): never their rows. */

export interface UploadMeta {
  id: string;
  name: string;
  org: string;
  idColumn: string;
  columns: { name: string; type: 'numeric' | 'categorical' }[];
  rows: number;
  createdAt: string;
  /** Its owner opened it to network jobs (a hub's job may join it only then). */
  network?: boolean;
}

/** `GET /v1/uploads/:id/ids`: the upload's enterprise ids in row order, to the bank that uploaded them. */
export interface UploadIds {
  ids: string[];
}

/** `GET /v1/uploads`. */
export interface UploadList {
  uploads: UploadMeta[];
}
