/** Which engine reads the platform's columns for jobs: DuckDB where it loads (or is asked for), SQLite rows otherwise. */
import { JointlabError } from '../../lab/errors';
import { loadDuckDb } from './duckdb-api';

export const PLATFORM_ENGINES = ['auto', 'sqlite', 'duckdb'] as const;
export type PlatformEngineChoice = (typeof PLATFORM_ENGINES)[number];

/** The environment variable that forces an engine when the enclave's settings do not name one. */
export const ENGINE_VARIABLE = 'JOINTLAB_PLATFORM_ENGINE';

export interface PlatformEngine {
  engine: 'sqlite' | 'duckdb';
  /** The one line the enclave logs at start: the engine and why. */
  line: string;
}

/**
 * Decides the engine: the setting, else the environment variable, else `auto` (DuckDB when
 * `@duckdb/node-api` loads). A forced `duckdb` that cannot load refuses to start rather than run
 * on the engine the operator ruled out; a database held in memory has no file to put columns beside.
 */
export function choosePlatformEngine(
  setting: PlatformEngineChoice | undefined,
  dbFile: string,
  env: NodeJS.ProcessEnv = process.env,
  /** The package's loader (a test passes one that fails, as on a machine without it). */
  load: typeof loadDuckDb = loadDuckDb,
): PlatformEngine {
  const raw = setting ?? env[ENGINE_VARIABLE]?.trim().toLowerCase() ?? 'auto';
  if (!(PLATFORM_ENGINES as readonly string[]).includes(raw)) {
    throw new JointlabError('bad_platform_engine', `the platform engine must be one of ${PLATFORM_ENGINES.join(', ')} (${setting ? 'setting' : ENGINE_VARIABLE})`, 'usage');
  }
  const choice = raw as PlatformEngineChoice;
  const forced = choice === 'auto' ? '' : `, ${setting ? 'set' : `forced by ${ENGINE_VARIABLE}`}`;
  if (choice === 'sqlite') return { engine: 'sqlite', line: `platform columns: SQLite rows${forced}` };
  if (dbFile === ':memory:' || dbFile === '') {
    if (choice === 'duckdb') throw new JointlabError('bad_platform_engine', 'the DuckDB platform engine needs a database file to keep its columns beside', 'usage');
    return { engine: 'sqlite', line: 'platform columns: SQLite rows (the database is in memory)' };
  }
  const { api, problem } = load();
  if (!api) {
    if (choice === 'duckdb') throw new JointlabError('bad_platform_engine', `the DuckDB platform engine was asked for but @duckdb/node-api does not load: ${problem}`, 'usage');
    return { engine: 'sqlite', line: 'platform columns: SQLite rows (@duckdb/node-api does not load; npm install it, an optional dependency, for the columnar engine)' };
  }
  return { engine: 'duckdb', line: `platform columns: DuckDB ${api.version()} (columnar copies beside the database)${forced}` };
}
