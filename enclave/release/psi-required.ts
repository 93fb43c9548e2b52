/**
 * The enclave setting `requirePsi`: when on, a bank's upload enters only bound to a matched PSI session,
 * so that its rows are exactly the intersection and no customer outside it ever reaches the enclave.
 * Off by default, so that small local setups and tests can upload plainly (`jointlab upload --no-psi`).
 */
import { JointlabError } from '../../lab/errors';

export function assertUploadAligned(requirePsi: boolean, boundToPsiSession: boolean): void {
  if (requirePsi && !boundToPsiSession) {
    throw new JointlabError(
      'psi_required',
      'this enclave takes bank uploads only aligned by private set intersection: upload without --no-psi (jointlab upload aligns by PSI by default), or bind the upload to a matched PSI session (?psiSession=ID)',
      'forbidden',
    );
  }
}
