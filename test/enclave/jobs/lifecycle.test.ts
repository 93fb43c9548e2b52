/** The lifecycle table walked move by move through the one transition function, with its audit entries. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { transition } from '../../../enclave/jobs/transition';
import { verifyAudit } from '../../../enclave/audit/log';
import { Db } from '../../../enclave/store/db';
import { openStore } from '../../../enclave/store/schema';
import { JOB_STATES, JobState, TRANSITIONS, canMove } from '../../../lab/lifecycle';
import { JointlabError } from '../../../lab/errors';
import { tempDir } from '../../helpers/cli';

describe('job lifecycle', () => {
  let db: Db;
  let n = 0;
  before(async () => {
    db = await openStore(join(tempDir(), 'lifecycle.db'));
  });
  after(() => db.close());

  async function jobIn(state: JobState): Promise<string> {
    const id = `job-${++n}`;
    const now = new Date().toISOString();
    await db.run("INSERT INTO jobs (id, owner, org, spec, state, flags, created_at, updated_at) VALUES (?, 'p', 'o', '{}', ?, '[]', ?, ?)", [id, state, now, now]);
    return id;
  }

  it('allows exactly the moves in the table and refuses every other one with 409', async () => {
    for (const from of JOB_STATES) {
      for (const to of JOB_STATES) {
        if (from === to) continue;
        const id = await jobIn(from);
        if (canMove(from, to)) {
          assert.equal(await transition(db, id, to, 'tester', { reason: 'why' }), to);
          const row = await db.get<{ state: string; reason: string }>('SELECT state, reason FROM jobs WHERE id = ?', [id]);
          assert.deepEqual(row, { state: to, reason: 'why' });
        } else {
          await assert.rejects(transition(db, id, to, 'tester'), (e: JointlabError) => e.code === 'bad_transition' && e.status === 409);
        }
      }
    }
    const moves = Object.values(TRANSITIONS).reduce((s, tos) => s + tos.length, 0);
    const entries = await db.all<{ action: string }>("SELECT action FROM audit WHERE action LIKE 'job.%'");
    assert.equal(entries.length, moves, 'one audit entry per move made, none for refused ones');
    assert.ok((await verifyAudit(db)).ok);
  });

  it('is idempotent: asking for the current state changes nothing and writes no audit entry', async () => {
    const id = await jobIn('submitted');
    await transition(db, id, 'approved', 'tester');
    const before = (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit'))!.n;
    assert.equal(await transition(db, id, 'approved', 'tester'), 'approved');
    assert.equal((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit'))!.n, before);
  });

  it('writes nothing when the extra write fails: state and audit roll back together', async () => {
    const id = await jobIn('submitted');
    const before = (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit'))!.n;
    await assert.rejects(
      transition(db, id, 'approved', 'tester', {
        alsoWrite: async () => {
          throw new Error('disk full');
        },
      }),
    );
    assert.equal((await db.get<{ state: string }>('SELECT state FROM jobs WHERE id = ?', [id]))!.state, 'submitted');
    assert.equal((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit'))!.n, before);
  });

  it('answers 404 for a job that does not exist', async () => {
    await assert.rejects(transition(db, 'nope', 'approved', 'tester'), (e: JointlabError) => e.status === 404);
  });
});
