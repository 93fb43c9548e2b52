/** A one-line progress bar on stderr, drawn only when stderr is a terminal so pipes and --json stay clean. */

export type ProgressFn = (done: number, total: number, note?: string) => void;

export interface Progress {
  update: ProgressFn;
  done(): void;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  const width = 24;
  let last = 0;
  return {
    update(done, total, note) {
      const now = Date.now();
      // Redrawing more than ~20 times a second only costs time.
      if (now - last < 50 && done < total) return;
      last = now;
      const share = total > 0 ? Math.min(done / total, 1) : 0;
      const filled = Math.round(share * width);
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}%${note ? ` ${note}` : ''}`;
      stream.write(`\r${line.slice(0, (stream.columns ?? 80) - 1)}\x1b[K`);
    },
    done() {
      stream.write('\r\x1b[K');
    },
  };
}
