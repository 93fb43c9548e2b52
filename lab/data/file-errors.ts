/** Node's file-system errors in words, for messages that name the user's own path instead of saying "internal error". */
import { JointlabError } from '../errors';

const WORDS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'already exists',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
};

export function errnoWords(code: string | undefined): string {
  return `${(code && WORDS[code]) ?? 'the system refused'}${code ? `: ${code}` : ''}`;
}

/**
 * A Node system error about a path (from fs calls) as a usage error that names the path; anything
 * else is returned unchanged. The path is the caller's own argument, never a value from the data.
 */
export function fileError(error: unknown): unknown {
  const e = error as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string') return error;
  const action = e.syscall === 'open' || e.syscall === 'read' ? 'cannot open' : e.syscall === 'mkdir' ? 'cannot create the folder' : e.syscall === 'write' ? 'cannot write' : 'cannot use';
  return new JointlabError('file_error', `${e.path}: ${action} (${errnoWords(e.code)})`, 'usage');
}
