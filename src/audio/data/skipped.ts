/** One-line summaries of a corpus's skipped utterances, for the CLI to print. */
import type { SkippedUtterance } from './librispeech.js';

const TOO_SHORT = 'too short';

function names(list: readonly SkippedUtterance[], shown: number): string {
  const head = list.slice(0, shown).map((s) => s.utterance);
  const more = list.length - head.length;
  return head.join(', ') + (more > 0 ? ` (+${more} more)` : '');
}

/**
 * E.g. "skipped 12 unreadable utterances: 19-198-0001, 19-198-0007, 26-495-0003 (+9 more); first:
 * <file>: FLAC decode failed: …" and "skipped 2 utterances too short for one window: …".
 * Empty when nothing was skipped.
 */
export function describeSkipped(skipped: readonly SkippedUtterance[], shown = 3): string[] {
  const short = skipped.filter((s) => s.reason.startsWith(TOO_SHORT));
  const broken = skipped.filter((s) => !s.reason.startsWith(TOO_SHORT));
  const lines: string[] = [];
  if (broken.length > 0) {
    const noun = broken.length === 1 ? 'utterance' : 'utterances';
    lines.push(
      `skipped ${broken.length} unreadable ${noun}: ${names(broken, shown)}; first: ${broken[0]!.reason}`,
    );
  }
  if (short.length > 0) {
    const noun = short.length === 1 ? 'utterance' : 'utterances';
    lines.push(`skipped ${short.length} ${noun} too short for one window: ${names(short, shown)}`);
  }
  return lines;
}
