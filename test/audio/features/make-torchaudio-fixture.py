#!/usr/bin/python3
"""Writes torchaudio-mfcc.json: torchaudio 0.13 log-mel and MFCC(+deltas) of a formula signal.

Run: /usr/bin/python3 test/audio/features/make-torchaudio-fixture.py  (needs python3-torchaudio).
The signal is defined by a formula (see SIGNAL) so the TS test regenerates it exactly.
Framing: our frame f windows samples [160f-180, 160f+220). torch.stft with center=False and
win_length 400 < n_fft 512 centres the window in the 512-point frame (offset 56), so we
left-pad 236 zeros; 116 zeros on the right give the 128th frame. Computed in float64 (window too; the mel filterbank is built in float32 by torchaudio).
"""
import json
import math
import os

import torch
import torchaudio

SIGNAL = ("x[t] = (0.6 + 0.3*sin(2*pi*t/5000)) * (sin(2*pi*220*t/16000) + 0.5*sin(2*pi*1375.5*t/16000)"
          " + 0.25*sin(2*pi*3900*t/16000)), rounded to float32, t = 0..20479")


def signal(n=20480):
    out = []
    for t in range(n):
        env = 0.6 + 0.3 * math.sin(2 * math.pi * t / 5000)
        out.append(env * (math.sin(2 * math.pi * 220 * t / 16000) + 0.5 * math.sin(2 * math.pi * 1375.5 * t / 16000)
                          + 0.25 * math.sin(2 * math.pi * 3900 * t / 16000)))
    return torch.tensor(out, dtype=torch.float32).double()


def main():
    x = signal()
    padded = torch.nn.functional.pad(x, (236, 116))
    mel_kw = dict(n_fft=512, win_length=400, hop_length=160, f_min=0.0, f_max=8000.0, n_mels=40,
                  window_fn=torch.hann_window, wkwargs={"dtype": torch.float64}, power=2.0, center=False, mel_scale="htk", norm=None)
    mfcc_t = torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=13, dct_type=2, norm="ortho",
                                        log_mels=True, melkwargs=mel_kw).double()
    mel_t = torchaudio.transforms.MelSpectrogram(sample_rate=16000, **mel_kw).double()
    log_mel = torch.log(mel_t(padded) + 1e-6).T  # [frames, 40]
    ceps = mfcc_t(padded)  # [13, frames]
    d1 = torchaudio.functional.compute_deltas(ceps, win_length=5)
    d2 = torchaudio.functional.compute_deltas(d1, win_length=5)
    full = torch.cat([ceps, d1, d2], dim=0).T  # [frames, 39]
    frames = [0, 1, 2, 63, 64, 125, 126, 127]
    out = {
        "source": f"torchaudio {torchaudio.__version__}, torch {torch.__version__}, float64",
        "signal": SIGNAL,
        "frames_total": int(full.shape[0]),
        "frames": frames,
        "log_mel": [[round(v, 9) for v in log_mel[f].tolist()] for f in frames],
        "mfcc39": [[round(v, 9) for v in full[f].tolist()] for f in frames],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchaudio-mfcc.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {path}: {out['frames_total']} frames")


if __name__ == "__main__":
    main()
