/**
 * A SEAL pool worker's rehearsal of encrypted-label training at enclave start, on a throwaway key
 * of its own, so that the first bank's session does not run SEAL's WebAssembly cold (V8 compiles it
 * lazily and optimizes only what has run: a process's first session took about 5 s more than later ones).
 */
import { BankCrypto } from '../../lab/he/bank-crypto';
import { ParamSetName, rotationSteps, slotsOf } from '../../lab/he/params';
import { DEFAULT_FLOOD, checkKeys } from './enclave-crypto';
import { floodZeros, newtonRound, xtyFolds, xtyFromFolds } from './training-crypto';

/** Design columns of the rehearsal: the shape of a small job (10 features and the intercept). */
const COLUMNS = 11;

/**
 * Runs each step a session's SEAL work takes (keys checked, Enc(X^T y) folded and summed, a flood's
 * zeros, a Newton round) on made-up numbers and a key pair made here and deleted here: no bank's byte
 * is involved, and what the steps leave in the worker (SEAL's compiled code and tables) depends on the
 * parameter set alone. Stops between steps once `busy()` says a real computation arrived; any
 * failure only ends the rehearsal.
 */
export async function rehearseTraining(paramSet: ParamSetName, busy: () => boolean): Promise<void> {
  const crypto = await BankCrypto.create(paramSet, rotationSteps(paramSet), { relinKeys: true });
  try {
    const keys = { paramSet, publicKey: crypto.publicKeyBytes, galoisKeys: crypto.galoisKeyBytes };
    if (busy()) return;
    await checkKeys(paramSet, keys.publicKey, keys.galoisKeys, true);
    const slots = slotsOf(paramSet);
    const columns = Array.from({ length: COLUMNS }, (_, j) => Float64Array.from({ length: slots }, (_, i) => (j === COLUMNS - 1 ? 1 : Math.sin(i * (j + 1)) / COLUMNS)));
    const labels = [crypto.encrypt(Float64Array.from({ length: slots }, (_, i) => i % 2))];
    if (busy()) return;
    const folds = await xtyFolds({ ...keys, labels, columns, relinKeys: crypto.relinKeyBytes });
    if (busy()) return;
    const xty = await xtyFromFolds({ ...keys, shares: [folds] });
    if (busy()) return;
    const zeros = await floodZeros({ paramSet, publicKey: keys.publicKey, policy: DEFAULT_FLOOD });
    if (busy()) return;
    const matrix = new Float64Array(COLUMNS * COLUMNS);
    for (let k = 0; k < COLUMNS; k++) matrix[k * COLUMNS + k] = 1e-4;
    await newtonRound({
      paramSet,
      publicKey: keys.publicKey,
      xty,
      matrix,
      offset: new Float64Array(COLUMNS),
      noise: { freshL2: 100, rows: slots, inputL1: slots * COLUMNS, columnL2: Math.sqrt(slots) },
      policy: DEFAULT_FLOOD,
      check: { gain: 1 },
      zeros,
    });
  } finally {
    crypto.dispose();
  }
}
