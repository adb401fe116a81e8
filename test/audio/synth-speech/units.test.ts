import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE_CLASSES, SIL, ipaToClass } from '../../../src/audio/synth-speech/phones.js';
import { assignStopClosures, labelFrames } from '../../../src/audio/synth-speech/labels.js';
import { Resampler } from '../../../src/audio/synth-speech/resample.js';
import { meanLogSpectrum } from '../../../src/audio/synth-speech/difficulty.js';

const cls = (name: string): number => PHONE_CLASSES.indexOf(name);

describe('phone classes', () => {
  it('are sil plus the 39 ARPAbet phones', () => {
    assert.equal(PHONE_CLASSES.length, 40);
    assert.equal(new Set(PHONE_CLASSES).size, 40);
    assert.equal(PHONE_CLASSES[SIL], 'sil');
  });

  it('map eSpeak IPA with stress marks, pauses and renamed consonants', () => {
    assert.equal(ipaToClass('ˈaɪ'), cls('ay'));
    assert.equal(ipaToClass('ˌoʊ'), cls('ow'));
    assert.equal(ipaToClass(''), SIL);
    assert.equal(ipaToClass('ɾ'), cls('t'));
    assert.equal(ipaToClass('dʒ'), cls('jh'));
    assert.equal(ipaToClass('ɡ'), cls('g'));
    assert.equal(ipaToClass('ʘ'), null, 'an unknown symbol must not be guessed');
  });
});

describe('frame labels', () => {
  it('give each 10 ms frame the phone covering its centre', () => {
    const events = [
      { ms: 0, ipa: '' },
      { ms: 20, ipa: 'b' },
      { ms: 20, ipa: 'd' }, // zero-length duplicate: ignored
      { ms: 20, ipa: 'b' },
      { ms: 47, ipa: 'æ' },
      { ms: 100, ipa: null }, // clause end closes the vowel
      { ms: 120, ipa: 'ʊ' },
    ];
    // 12 frames; centres 5, 15, …, 115 ms. The last phone has no end event, so it covers nothing.
    const { labels, unknown } = labelFrames(events, 12 * 160 + 50);
    assert.deepEqual(unknown, []);
    const [S, B, AE] = [SIL, cls('b'), cls('ae')];
    assert.deepEqual([...labels], [S, S, B, B, B, AE, AE, AE, AE, AE, S, S]);
  });

  it('report unknown symbols instead of labelling them', () => {
    assert.deepEqual(
      labelFrames(
        [
          { ms: 0, ipa: 'ʘ' },
          { ms: 50, ipa: null },
        ],
        1600,
      ).unknown,
      ['ʘ'],
    );
  });

  it('give a quiet closure before a stop to the stop', () => {
    const AE = cls('ae');
    const P = cls('p');
    const labels = Uint8Array.from([AE, AE, AE, AE, P, P]);
    const audio = new Float32Array(6 * 160);
    for (let i = 0; i < audio.length; i++) {
      const frame = Math.floor(i / 160);
      audio[i] = (frame === 2 || frame === 3 ? 0.0001 : 0.5) * Math.sin(i / 3); // frames 2–3: −74 dB
    }
    assignStopClosures(labels, audio);
    assert.deepEqual([...labels], [AE, AE, P, P, P, P]);
  });
});

describe('resampling 22 050 → 16 000 Hz', () => {
  it('keeps a 1 kHz tone and removes one above the new Nyquist', () => {
    const r = new Resampler(22050, 16000);
    const n = 22050;
    const tone = (hz: number): Float32Array =>
      Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 22050));
    const out = r.process(tone(1000));
    assert.equal(out.length, Math.floor((n * 320) / 441));
    let err = 0;
    for (let j = 100; j < out.length - 100; j++)
      err = Math.max(err, Math.abs(out[j]! - Math.sin((2 * Math.PI * 1000 * j) / 16000)));
    assert.ok(err < 0.01, `max error ${err}`);
    const high = r.process(tone(9500));
    let peak = 0;
    for (let j = 100; j < high.length - 100; j++) peak = Math.max(peak, Math.abs(high[j]!));
    assert.ok(peak < 0.05, `9.5 kHz leaks at ${peak}`);
  });
});

describe('spectrum features', () => {
  it('mean log spectrum peaks at a tone’s bin', () => {
    const audio = Float32Array.from({ length: 4096 }, (_, i) =>
      Math.sin((2 * Math.PI * 64 * i) / 512),
    );
    const s = meanLogSpectrum(audio);
    assert.equal(s.indexOf(Math.max(...s)), 64);
  });
});
