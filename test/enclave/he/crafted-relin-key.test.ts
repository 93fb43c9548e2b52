/**
 * Red team (galois): a bank's relinearization key is used once, inside the label check, on
 * Enc(u) * Enc(u - 2) with u the doubled real part of its own labels. A key-switching key is a list of
 * encryptions the bank made; only SEAL's layout is checked, never that each one really encrypts P s^2.
 * Before this control, everything the enclave had computed up to that key switch came from the bank's
 * own bytes (its label ciphertext and its conjugation key: SEAL is deterministic), so the bank could
 * replay it, read the exact product it would meet, and change the first polynomial of one part of the
 * key so that the relinearized product decrypts to exactly zero whatever its labels. The label check
 * then saw c = 0, and a huge label on one enterprise (y = 1e4 e_i) read that enterprise's row through
 * the rounds to 0.002-0.004 sd (rms over three enterprises): the very attack the check exists to stop
 * (crafted-labels.test.ts). Errors are root mean squares over the targets, per column, so that one
 * unlucky draw of the noise that now covers a slot cannot fail the control.
 *
 * The control (enclave/he/rerandomize.ts): the enclave adds its own fresh encryption of zero to every
 * label ciphertext before any key switch, so the masks a key meets are unknown to the bank and a
 * crafted part adds noise the bank cannot predict or cancel. The bank's reconstruction uses the true
 * Hessian (the strictest estimate, as crafted-labels.test.ts) and is checked first on the bank's own
 * replay: the crafted key really does zero the check on the bytes the bank sends.
 */
import { strict as assert } from 'node:assert';
import { Arena, COLUMNS, HostileBank } from './hostile-keys';

/** The lookup factor: the largest whose answer still fits the modulus at l2 = 100 (crafted-labels.test.ts). */
const K = 1e4;

describe('red team: a crafted relinearization key and the label check', function () {
  this.timeout(900_000);
  const arena = new Arena();
  let targets: string[];

  before(() => arena.start());
  after(() => arena.t.enclave.close());

  it('the bank replays the enclave: its crafted key zeroes the check of a lookup label that the honest key shows', () => {
    const bank = new HostileBank(arena.rt);
    try {
      const label = bank.encrypt(arena.unit(arena.ids[0], K).subarray(0, arena.rt.slots));
      const honest = bank.checkUnder(label, bank.relinKeys);
      const crafted = bank.checkUnder(label, bank.zeroingRelinKey(label));
      console.log(`      bank's replay of u (u - 2) for y = ${K} e_i: largest slot ${honest.toExponential(2)} under the honest key, ${crafted.toExponential(2)} under the crafted one`);
      assert.ok(honest > 1e8 && crafted < 1e-6, `honest ${honest}, crafted ${crafted}`);
    } finally {
      bank.dispose();
    }
  });

  it('a baseline session (y = 0, honest keys) and the true Hessian for the strict estimate', async () => {
    targets = await arena.baseline(3);
  });

  it('y = 1e4 e_i with the crafted relinearization key reconstructs nothing: error at least 0.5 sd on every column', async () => {
    const answers: number[][] = [];
    for (const target of targets) answers.push((await arena.session(arena.unit(target, K), { relin: (bank, blocks) => bank.zeroingRelinKey(blocks[0]) })).mean);
    const e = arena.errors(answers, targets, K);
    console.log(`      crafted relinearization key, y = ${K} e_i: reconstruction error per column (sd, rms over ${targets.length} enterprises): ${e.map((v) => v.toPrecision(3)).join(', ')}`);
    e.forEach((v, k) => assert.ok(v >= 0.5, `${COLUMNS[k]}: error ${v} sd`));
  });
});
