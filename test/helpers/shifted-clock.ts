/**
 * Preloaded into a CLI child process (`node --require`) to run it on another calendar day: Date
 * reads the clock JOINTLAB_TEST_DAYS_AHEAD days ahead. For tests of what must not depend on the day.
 */
const days = Number(process.env.JOINTLAB_TEST_DAYS_AHEAD ?? 0);
if (days) {
  const offset = days * 86_400_000;
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as [string]));
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
