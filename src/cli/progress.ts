/** Terminal progress for training: one rewriting line on a TTY, periodic lines otherwise. */
export interface ProgressLine {
  update(text: string, force?: boolean): void;
  done(): void;
}

export function progressLine(
  stream: NodeJS.WriteStream = process.stderr,
  minIntervalMs = 200,
): ProgressLine {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let pending = false;
  return {
    update(text, force = false) {
      const now = Date.now();
      if (tty) {
        if (force || now - last >= minIntervalMs) {
          stream.write(`\r\x1b[K${text}`);
          last = now;
          pending = true;
        }
      } else if (force) {
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (tty && pending) stream.write('\n');
      pending = false;
    },
  };
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
