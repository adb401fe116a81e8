// A node:test reporter that prints nothing but one JSON line per skipped test or suite, so that
// scripts/run-tests.mjs can end the run with a line naming every skip and why (and fail in CI,
// where every dependency is installed and nothing may skip).
import { relative } from 'node:path';

export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, skip, file } = event.data;
    if (skip === undefined || skip === false) continue;
    const where = file ? relative(process.cwd(), file) : '?';
    yield `${JSON.stringify({ name, file: where, reason: skip === true ? '(no reason given)' : String(skip) })}\n`;
  }
}
