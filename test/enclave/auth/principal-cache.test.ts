import { strict as assert } from 'node:assert';
import { PrincipalCache } from '../../../enclave/auth/principal-cache';
import type { Principal } from '../../../lab/api/principals';

const alice: Principal = { id: 'p_alice', name: 'alice', role: 'bank', org: 'bank-a' };

describe('principal cache', () => {
  it('answers from memory until its time is up, then asks again', () => {
    let now = 1_000;
    const cache = new PrincipalCache(30_000, () => now);
    cache.set('hash-a', alice);
    now += 29_999;
    assert.deepEqual(cache.get('hash-a'), alice);
    now += 1;
    assert.equal(cache.get('hash-a'), undefined);
  });

  it('forgets a principal on request, and keeps at most 1,024, dropping the oldest first', () => {
    const cache = new PrincipalCache();
    cache.set('hash-a', alice);
    cache.forget('hash-a');
    assert.equal(cache.get('hash-a'), undefined);
    for (let i = 0; i <= 1024; i++) cache.set(`hash-${i}`, { ...alice, id: `p_${i}` });
    assert.equal(cache.get('hash-0'), undefined);
    assert.equal(cache.get('hash-1')?.id, 'p_1');
    assert.equal(cache.get('hash-1024')?.id, 'p_1024');
  });
});
