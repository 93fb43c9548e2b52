/**
 * A job spec with its defaults resolved in one place: the mode, outputs and hold-out, the DP settings,
 * the family's hyper-parameters with the spec's overrides, the HE settings. Every default is read from
 * the spec's schema (or the family's own defaults), so no caller restates one.
 */
import { families } from '../../models';
import { mergeParams } from '../params';
import type { OutputPart } from '../api/results';
import { HeSettingsOfJob, assertHeSettings } from './he-spec';
import { JobSpec, MODES, jobSpecSchema } from './job-spec';

export type JobMode = (typeof MODES)[number];

export interface ResolvedSpec {
  /** The spec as the bank submitted it (HE settings as resolved at submission). */
  spec: JobSpec;
  mode: JobMode;
  outputs: OutputPart[];
  /** The hold-out: a split column of the upload, or a stratified split at `testFraction` drawn with `seed`. */
  validation: { testFraction: number; seed: number; splitColumn?: string };
  /** Plaintext differential privacy: the job's epsilon and the mechanism's lambda. */
  privacy?: { epsilon: number; lambda: number };
  /** Monitor mode: the monitored job and the two snapshots, as resolved at submission. */
  monitor?: { job: string; base: number; current: number };
  /**
   * Plaintext: the family's hyper-parameters with the spec's overrides (throws unknown_param or
   * bad_param on an override the family does not have); he-train: the regression's l2.
   */
  params(): Record<string, unknown>;
  /**
   * HE modes: the settings checked against their documented ranges, so a spec stored before a bound
   * existed cannot carry an unbounded value into a session (throws schema_violation). Checked at use,
   * not at decoding, so such a job can still be listed and cancelled.
   */
  he(): HeSettingsOfJob;
}

const SCHEMA = jobSpecSchema.properties;
const DEFAULTS = {
  mode: SCHEMA.mode.default,
  testFraction: SCHEMA.validation.properties.testFraction.default,
  seed: SCHEMA.validation.properties.seed.default,
  lambda: SCHEMA.privacy.properties.lambda.default,
  outputs: SCHEMA.outputs.default,
};

export function resolveSpec(spec: JobSpec): ResolvedSpec {
  const mode = spec.mode ?? DEFAULTS.mode;
  const once = <T>(compute: () => T): (() => T) => {
    let value: { v: T } | undefined;
    return () => (value ??= { v: compute() }).v;
  };
  const he = once(() => assertHeSettings(spec));
  return {
    spec,
    mode,
    outputs: [...(spec.outputs ?? DEFAULTS.outputs)],
    validation: {
      testFraction: spec.validation?.testFraction ?? DEFAULTS.testFraction,
      seed: spec.validation?.seed ?? DEFAULTS.seed,
      ...(spec.validation?.splitColumn ? { splitColumn: spec.validation.splitColumn } : {}),
    },
    ...(mode === 'monitor' && spec.monitor ? { monitor: { job: spec.monitor.job, base: spec.monitor.base ?? 1, current: spec.monitor.current ?? 1 } } : {}),
    ...(spec.privacy ? { privacy: { epsilon: spec.privacy.epsilon, lambda: spec.privacy.lambda ?? DEFAULTS.lambda } } : {}),
    params: once(() => {
      if (mode === 'he-train') return { l2: he().l2 };
      if (mode === 'he-score' || mode === 'monitor') return {};
      return mergeParams(families[spec.model.family].defaults, spec.model.params as Record<string, unknown> | undefined);
    }),
    he,
  };
}
