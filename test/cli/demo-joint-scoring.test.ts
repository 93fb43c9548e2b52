/** The demo's joint-scoring step: the bank scores consented applicants with the joint model, platform part from the enclave plus its own part. */
import { strict as assert } from 'node:assert';
import { runDemo } from '../../demo/story';

describe('demo: scoring applicants with the joint model', function () {
  this.timeout(300_000);

  it('prints a table of full scores, each the sum of the bank part and the platform part, and the refusals by id', async () => {
    const lines: string[] = [];
    const outcome = await runDemo({ seed: 7, model: 'lr', encrypted: false, say: (line) => lines.push(line) });
    const step = outcome.jointScoring!;
    assert.ok(step.scores.length >= 3, JSON.stringify(step));
    assert.equal(step.scores.length + step.refused.length, step.asked);
    for (const s of step.scores) {
      assert.ok(Math.abs(1 / (1 + Math.exp(-(s.bankPart + s.platformPart))) - s.score) < 1e-12);
      // The enclave releases the platform part rounded as it rounds scores (4 places of log-odds).
      assert.equal(s.platformPart, Number(s.platformPart.toFixed(4)));
    }
    const text = lines.join('\n');
    assert.match(text, /bank scored 8 customers applying for a new credit line with the joint logistic regression: the enclave returned the platform part/);
    assert.match(text, /applicant +bank part +platform part +P\(default\)/);
    assert.match(text, new RegExp(step.scores[0].id));
    assert.ok(outcome.audit.ok);
  });
});
