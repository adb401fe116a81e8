import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';

describe('initBackend', () => {
  it('activates cpu and wasm and reports them', async () => {
    const cpu = await initBackend('cpu');
    assert.equal(cpu.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    const wasm = await initBackend('wasm');
    assert.equal(wasm.name, 'wasm');
    assert.equal(wasm.threads, 1);
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('auto falls back to wasm with a reason when native is missing, or picks native', async () => {
    const active = await initBackend('auto');
    assert.ok(active.name === 'native' || active.name === 'wasm');
    assert.ok(active.note.length > 0);
  });

  it('rejects an unknown backend name with the list of valid ones', async () => {
    await assert.rejects(
      () => initBackend('gpu' as never),
      /unknown backend "gpu"; expected one of auto, cpu, wasm/,
    );
  });
});
