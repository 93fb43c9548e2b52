/** The job heads kept between writes: served from memory only while nothing was written, read again after any write. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Db } from '../../../enclave/store/db';
import { keptJobHead } from '../../../enclave/jobs/job-heads';
import { tempDir } from '../../helpers/cli';

describe('kept job heads', () => {
  let db: Db;
  before(async () => {
    db = await Db.open(join(tempDir('jointlab-heads-'), 'heads.db'));
    await db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, state TEXT)');
    await db.run("INSERT INTO t VALUES ('a', 'submitted')");
  });
  after(() => db.close());

  let reads = 0;
  const head = () =>
    keptJobHead(db, 'a', () => {
      reads++;
      return db.get<{ state: string }>('SELECT state FROM t WHERE id = ?', ['a']);
    });

  it('reads once while nothing is written, and again after every write', async () => {
    assert.equal((await head())?.head.state, 'submitted');
    assert.equal((await head())?.head.state, 'submitted');
    assert.equal(reads, 1);
    await db.run("UPDATE t SET state = 'approved' WHERE id = 'a'");
    assert.equal((await head())?.head.state, 'approved');
    await db.transaction((q) => q.run("UPDATE t SET state = 'running' WHERE id = 'a'"));
    assert.equal((await head())?.head.state, 'running');
    assert.equal(reads, 3);
  });

  it('serves no stale row when a write is issued while the read is under way', async () => {
    await db.run("UPDATE t SET state = 'withheld' WHERE id = 'a'");
    // The read is issued first and queued first: it answers 'withheld', kept under the count from before the write.
    const during = head();
    const write = db.run("UPDATE t SET state = 'released' WHERE id = 'a'");
    assert.equal((await Promise.all([during, write]))[0]?.head.state, 'withheld');
    assert.equal((await head())?.head.state, 'released');
  });

  it('keeps nothing for an id that does not exist', async () => {
    const missing = await keptJobHead(db, 'nope', () => db.get('SELECT state FROM t WHERE id = ?', ['nope']));
    assert.equal(missing, undefined);
  });
});
