/**
 * A thin wrapper over eSpeak NG compiled to wasm (@echogarden/espeak-ng-emscripten, GPL-3.0).
 * It is an optional dependency: imported lazily, and only the generator needs it.
 */
import { createRequire } from 'node:module';
import { GimError } from '../../errors.js';

export const ESPEAK_PACKAGE = '@echogarden/espeak-ng-emscripten';

/** eSpeak voice settings for one utterance. */
export interface VoiceSettings {
  /** Variant name from the `!v` folder, e.g. "m3" (used as `en-us+m3`). */
  variant: string;
  /** 0–99. */
  pitch: number;
  /** 0–99. */
  range: number;
  /** Words per minute. */
  rate: number;
}

export interface PhonemeEvent {
  /** Milliseconds from the start of the audio. */
  ms: number;
  /** IPA symbol, '' for a pause; `null` marks a clause end. */
  ipa: string | null;
}

export interface Synthesis {
  sampleRate: number;
  samples: Int16Array;
  events: PhonemeEvent[];
}

interface EspeakWorker {
  samplerate: number;
  set_voice(name: string): number;
  set_rate(v: number): number;
  set_pitch(v: number): number;
  set_range(v: number): number;
  synthesize(
    text: string,
    cb: (
      samples: Int16Array,
      events: { type: string; audio_position: number; id?: unknown }[],
    ) => number,
  ): void;
}

export class EspeakMissingError extends GimError {}

export class Espeak {
  private constructor(
    private readonly worker: EspeakWorker,
    /** Variant names available in the wasm file system. */
    readonly variants: ReadonlySet<string>,
  ) {}

  /** Installed version of the eSpeak package (its audio can change between versions). */
  static packageVersion(): string | null {
    try {
      return (
        createRequire(import.meta.url)(`${ESPEAK_PACKAGE}/package.json`) as { version: string }
      ).version;
    } catch {
      return null;
    }
  }

  static async load(): Promise<Espeak> {
    let init: () => Promise<{
      eSpeakNGWorker: new () => EspeakWorker;
      FS: { readdir(p: string): string[] };
    }>;
    try {
      // A variable specifier keeps TypeScript from requiring the optional package's types.
      const name: string = ESPEAK_PACKAGE;
      init = ((await import(name)) as { default: typeof init }).default;
    } catch (err) {
      throw new EspeakMissingError(
        `the synthetic speech generator needs the optional package ${ESPEAK_PACKAGE} (GPL-3.0), which could not be loaded ` +
          `(${(err as Error).message}); install it with: npm install --save-exact ${ESPEAK_PACKAGE}@0.3.5`,
      );
    }
    // eSpeak seeds its noise generator from the clock when it initialises (srand(time(NULL)));
    // the breathy variants (f2, f3: `breath` in their voice files) mix that noise into the audio,
    // so without a fixed clock the same seed gave a different corpus on every build.
    const { m, worker } = await withFixedClock(async () => {
      const m = await init();
      return { m, worker: new m.eSpeakNGWorker() };
    });
    const variants = m.FS.readdir('/usr/share/espeak-ng-data/voices/!v').filter(
      (v) => v !== '.' && v !== '..',
    );
    return new Espeak(worker, new Set(variants));
  }

  synthesize(text: string, voice: VoiceSettings): Synthesis {
    // eSpeak accepts an unknown variant silently and uses the default voice, so check first.
    if (!this.variants.has(voice.variant))
      throw new GimError(`eSpeak: unknown voice variant ${JSON.stringify(voice.variant)}`);
    if (this.worker.set_voice(`en-us+${voice.variant}`) !== 0)
      throw new GimError(`eSpeak: cannot set voice en-us+${voice.variant}`);
    this.worker.set_rate(Math.round(voice.rate));
    this.worker.set_pitch(Math.round(voice.pitch));
    this.worker.set_range(Math.round(voice.range));
    const chunks: Int16Array[] = [];
    const events: PhonemeEvent[] = [];
    this.worker.synthesize(text, (samples, evs) => {
      if (samples && samples.length > 0) chunks.push(samples);
      for (const e of evs) {
        if (e.type === 'phoneme')
          events.push({ ms: e.audio_position, ipa: typeof e.id === 'string' ? e.id : '' });
        else if (e.type === 'end') events.push({ ms: e.audio_position, ipa: null });
      }
      return 0;
    });
    const samples = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      samples.set(c, at);
      at += c.length;
    }
    return { sampleRate: this.worker.samplerate, samples, events };
  }
}

/** The instant eSpeak's initialisation sees (any fixed value: it only seeds eSpeak's noise). */
const ESPEAK_INIT_CLOCK_MS = Date.UTC(2019, 4, 27);

/** Runs `body` with Date.now() pinned, which is all eSpeak's time() reads under emscripten. */
async function withFixedClock<T>(body: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => ESPEAK_INIT_CLOCK_MS;
  try {
    return await body();
  } finally {
    Date.now = realNow;
  }
}
