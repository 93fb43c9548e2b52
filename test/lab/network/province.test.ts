import { strict as assert } from 'node:assert';
import { PROVINCES, assertProvinceCode, provinceOfUscc } from '../../../lab/network/province';
import { isValidUscc, generateUscc } from '../../../lab/synth/uscc';
import { synthesize } from '../../../lab/synth/generate';
import { Random } from '../../../models/random';
import { JointlabError } from '../../../lab/errors';
import { SME_NETWORK_STANDARD } from '../../../lab/network/sme-standard';
import { assertNetworkStandard } from '../../../lab/network/standard';

describe('province codes (lab/network/province)', () => {
  it('reads the province from characters 3-4 of a valid USCC', () => {
    // A published code: 91350100M000100Y43 (Fujian, Fuzhou).
    assert.equal(provinceOfUscc('91350100M000100Y43'), '35');
    const random = new Random(3);
    for (const division of ['440305', '110105', '650102', '120101']) {
      const code = generateUscc(random, division);
      assert.ok(isValidUscc(code));
      assert.equal(provinceOfUscc(code), division.slice(0, 2));
    }
  });

  it('answers undefined for a broken check character, a wrong length or a division that names no province', () => {
    assert.equal(provinceOfUscc('91350100M000100Y44'), undefined);
    assert.equal(provinceOfUscc('91350100M000100Y4'), undefined);
    const random = new Random(4);
    assert.equal(provinceOfUscc(generateUscc(random, '990101')), undefined);
    assert.equal(provinceOfUscc(''), undefined);
  });

  it('knows the 34 province-level divisions and refuses other codes with a stable error', () => {
    assert.equal(Object.keys(PROVINCES).length, 34);
    assert.equal(assertProvinceCode('44'), '44');
    assert.throws(() => assertProvinceCode('99'), (e: unknown) => e instanceof JointlabError && e.code === 'bad_province');
    assert.throws(() => assertProvinceCode('4'), (e: unknown) => e instanceof JointlabError && e.code === 'bad_province');
  });

  it('synth --province writes enterprises of that province only, listed or not in its district table', () => {
    for (const province of ['44', '33', '12']) {
      const tables = synthesize({ enterprises: 300, bankCustomers: 100, seed: 9, bank: 'bank-a', province });
      assert.ok(tables.platform.rows.every((r) => provinceOfUscc(String(r[0])) === province));
      assert.ok(tables.platform.rows.every((r) => r[1] === PROVINCES[province]));
    }
    assert.throws(() => synthesize({ enterprises: 10, bankCustomers: 5, seed: 1, bank: 'b', province: '00' }), (e: unknown) => e instanceof JointlabError && e.code === 'bad_province');
  });

  it('the synthetic platform standard is a valid network standard', () => {
    assert.deepEqual(assertNetworkStandard(SME_NETWORK_STANDARD), SME_NETWORK_STANDARD);
  });
});
