/** Who is signed in (`GET /v1/whoami`) and a principal just added (`POST /v1/principals`). */
import type { Role } from '../spec/policy';

export type { Role } from '../spec/policy';

export interface Principal {
  id: string;
  name: string;
  role: Role;
  org: string;
}

/** A new principal with its API token: shown this once, only its hash is stored. */
export interface IssuedPrincipal extends Principal {
  token: string;
}
