/**
 * Run a block of tests once per available backend. A backend that cannot start here is
 * reported as skipped (with the reason), never counted as passed.
 */
import { describe, before } from 'node:test';
import { initBackend, type BackendName } from '../../src/backend/select.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';

export const TEST_BACKENDS: Exclude<BackendName, 'auto' | 'tensorflow'>[] = [
  'cpu',
  'wasm',
  'native',
];

export function forEachBackend(
  title: string,
  body: (backend: string) => void,
  backends: readonly Exclude<BackendName, 'auto' | 'tensorflow'>[] = TEST_BACKENDS,
): void {
  for (const name of backends) {
    const native = name === 'native' ? loadNativeBackend() : null;
    const skip = native && !native.ok ? `native backend unavailable: ${native.reason}` : false;
    describe(`${title} [${name}]`, { skip }, () => {
      before(async () => {
        await initBackend(name);
      });
      body(name);
    });
  }
}
