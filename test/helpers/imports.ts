/** What a TypeScript source imports, read as text: for tests that hold the import rules between folders. */
import { dirname, relative, resolve } from 'node:path';
import { REPO_ROOT } from './cli';

/** Every module a TypeScript source names (static and type imports, re-exports, dynamic import(), require()). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]);
  return found;
}

/** The modules of enclave/ that `file` (a path relative to the repository) imports, without extension. */
export function enclaveInternals(file: string, source: string): string[] {
  return specifiers(source)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), s)).split('\\').join('/').replace(/\.(ts|js)$/, ''))
    .filter((target) => target === 'enclave' || target.startsWith('enclave/'));
}
