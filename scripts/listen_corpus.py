"""Synthetic Korean test audio for the listener: commands, conversation and the guide's own lines,
spoken by espeak-ng with several voices and speeds, optionally under noise at a given SNR.

Also the simulated room (`room`, `add_noise`), the playback state on a known schedule
(`ScheduleGate`) and the guide's sound handed to an echo reference as a sound card would
(`PlayedAhead`). One module for the benchmarks, the soak and the tests: the scripts never import
from tests/, and this stays out of the package (nothing in voiceguide/ imports it). Everything is
generated into a folder the caller gives (a temp dir); nothing is committed.
"""

from __future__ import annotations

import io
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

RATE = 16000
VOICES = ["ko", "ko+f3", "ko+m3", "ko+f1", "ko+m7"]
SPEEDS = [130, 160, 190]

# Everyday talk between partners, including short replies and sentences with command words inside.
CONVERSATION = [
    "오늘 회사에서 정말 힘든 일이 있었어",
    "다음 주에 같이 여행 가자",
    "계속 그렇게 말하면 나도 속상해",
    "잠깐 내 얘기 좀 들어 줄래",
    "그만 좀 해 진짜",
    "다시 한번 생각해 볼게",
    "이전에 살던 집이 그리워",
    "음 나는 잘 모르겠어",
    "고마워 정말",
    "다음에",
    "계속해",
    "그래 알았어",
    "응",
    "맞아",
    "그랬구나",
    "그만해",
    "잠깐만",
    "다시 말해 줄래",
    "아 진짜",
    "그래서 어떻게 됐어",
    "팀장님이 갑자기 회의를 잡았어",
    "점심을 못 먹어서 너무 배고팠어",
    "퇴근길에 비가 와서 우산을 샀어",
    "엄마랑 통화했는데 목소리가 좋으시더라",
    "요즘 잠을 잘 못 자서 피곤해",
    "그 얘기 들으니까 마음이 아프다",
    "내가 들은 건 네가 많이 지쳤다는 거야",
    "내가 잘 이해했어",
    "응 맞아 그거야",
    "조금 더 말해 줄 수 있어",
    "주말에 뭐 하고 싶어",
    "그냥 집에서 쉬고 싶어",
    "다음 달에 이사 가는 거 기억하지",
    "계속 생각나는 일이 하나 있어",
    "그 사람이 왜 그랬는지 모르겠어",
    "괜찮아 천천히 말해",
    "나도 그런 적 있어",
    "오늘 저녁은 내가 할게",
    "고마워 네가 들어 줘서 좋았어",
    "사실 좀 서운했어",
    "미안해 내가 몰랐어",
    "그 다음에는 뭐 했어",
    "다시 시작하면 되지",
    "그만두고 싶다는 생각도 했어",
    "잠깐 쉬었다가 얘기하자",
    "이전 회사가 더 나았던 것 같아",
    "멈춰 있는 느낌이야",
    "도움말 같은 게 있으면 좋겠어",
    "그래도 오늘은 좋은 일도 있었어",
    "동료가 커피를 사 줬어",
    "하루 종일 정신이 없었어",
    "너는 오늘 어땠어",
    "별일 없었어",
    "아니 그게 아니라",
    "네",
    "어",
    "흠 글쎄",
    "좋아",
    "그럼 그렇게 하자",
    "진짜 다행이다",
]


# Short replies and back-channels said on their own between partners: the most frequent ones of
# everyday spoken talk, written down from how people talk, not picked against any command word. A
# reply that asks the guide for something (잠깐만 "wait", 그만해 "stop it", 계속해 "go on"; "hold on",
# "go on", "wait") is left out: a couple could fairly mean the command by it. English waits for an
# English model (none is reachable here); the bench runs Korean.
REPLIES = {
    "ko": [
        "응", "어", "네", "예", "아", "음", "흠", "오", "와", "헐", "아하", "어머", "아이고", "에이",
        "그래", "그래요", "맞아", "맞아요", "맞지", "그렇지", "그렇죠", "그렇구나", "그랬구나", "그러게",
        "그러니까", "그치", "진짜", "정말", "대박", "글쎄", "글쎄요", "몰라", "모르겠어", "알았어",
        "알겠어", "알겠어요", "좋아", "좋아요", "좋지", "싫어", "아니", "아니야", "아니요", "괜찮아",
        "괜찮아요", "고마워", "미안해", "그럼", "근데", "그런데", "그래서", "왜", "뭐", "뭐라고", "설마",
        "당연하지", "물론이지", "이제", "나중에", "다음에", "다음에 하자", "있잖아", "그냥", "아마", "역시",
        "어떡해", "그렇네", "좋겠다", "다행이다", "됐어", "잘했어", "수고했어", "응 그래", "아 그래",
        "어 맞아", "음 글쎄", "그래 좋아", "나도", "내 말이", "그니까",
    ],
    "en": [
        "yeah", "yes", "no", "okay", "right", "sure", "hmm", "mm-hmm", "uh-huh", "oh", "wow", "really",
        "well", "I know", "I see", "exactly", "totally", "true", "maybe", "I guess", "not really",
        "of course", "fine", "good", "great", "cool", "nice", "thanks", "thank you", "sorry", "oh no",
        "oh well", "no way", "me too", "same", "what", "why", "how come", "now", "next time", "anyway",
        "so", "and then", "I mean", "you know", "kind of", "absolutely", "definitely", "alright",
        "got it", "makes sense", "fair enough", "that's true", "I agree", "never mind", "whatever",
        "um", "ah", "aha", "oh okay", "not yet", "later", "let's see", "good point", "seriously",
        "interesting", "me neither", "perhaps", "yep", "nope",
    ],
}


@dataclass(frozen=True)
class Clip:
    text: str
    audio: "object"  # numpy int16 array at RATE
    start: float  # speech start inside the clip (s)
    end: float  # speech end inside the clip (s)


def synth(text: str, voice: str = "ko", speed: int = 160, pitch: int = 50) -> Clip:
    import numpy as np
    import soundfile as sf
    import soxr

    out = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
        capture_output=True, check=True,
    ).stdout
    data, rate = sf.read(io.BytesIO(out), dtype="float32")
    data = soxr.resample(data, rate, RATE)
    audio = (np.clip(data, -1, 1) * 32767).astype(np.int16)
    loud = np.nonzero(np.abs(data) > 0.01)[0]  # where the speech is (the clip keeps its soft edges)
    if loud.size == 0:
        return Clip(text, audio, 0.0, 0.0)
    return Clip(text, audio, loud[0] / RATE, (loud[-1] + 1) / RATE)


def silence(seconds: float):  # type: ignore[no-untyped-def]
    import numpy as np

    return np.zeros(int(seconds * RATE), dtype=np.int16)


def add_noise(audio, snr_db: float, seed: int = 1):  # type: ignore[no-untyped-def]
    """Steady pink (1/f) background noise, `snr_db` below the speech's active level: room noise
    (fans, traffic, a fridge) has most of its energy low, like this."""
    import numpy as np

    x = audio.astype(np.float32)
    active = x[np.abs(x) > 300]
    speech_power = float(np.mean(active ** 2)) if active.size else 1e6
    rng = np.random.default_rng(seed)
    chunk = 1 << 16  # shaped piecewise: whole-stream FFTs would take gigabytes
    pink = np.empty(len(x), dtype=np.float32)
    freqs = np.fft.rfftfreq(chunk, 1 / RATE)
    for i in range(0, len(x), chunk):
        spectrum = np.fft.rfft(rng.standard_normal(chunk)) / np.sqrt(np.maximum(freqs, 20.0))  # 1/f power
        pink[i:i + chunk] = np.fft.irfft(spectrum, n=chunk)[: len(x) - i]
    pink *= np.sqrt(speech_power / 10 ** (snr_db / 10) / float(np.mean(pink ** 2)))
    return np.clip(x + pink, -32768, 32767).astype(np.int16)


def room(audio, *, delay_s: float = 0.04, gain: float = 0.5, reflection_s: float = 0.059,  # type: ignore[no-untyped-def]
         reflection_gain: float = 0.15):
    """What a mic a metre or two from the speaker hears of `audio` (int16 or float): the sound
    `delay_s` later at `gain`, and one reflection `reflection_s` later at `reflection_gain`."""
    import numpy as np

    x = audio.astype(np.float32)
    out = np.zeros_like(x)
    for after, g in ((round(delay_s * RATE), gain), (round(reflection_s * RATE), reflection_gain)):
        out[after:] += g * x[:-after]
    if audio.dtype == np.int16:
        return np.clip(out, -32768, 32767).astype(np.int16)
    return out


@dataclass
class Event:
    kind: str  # "command", "talk", "guide"
    text: str
    start: float
    end: float
    name: str | None = None  # for commands


def build_stream(items: list[tuple[str, str, str | None]], *, seed: int, gap: tuple[float, float] = (0.3, 1.2),
                 command_gap: float = 1.2, voices: list[str] = VOICES):  # type: ignore[no-untyped-def]
    """Concatenate (kind, text, name) items spoken in varied voices/speeds; returns (audio, events).
    Commands get at least `command_gap` seconds of quiet either side (how people say them)."""
    import numpy as np

    rng = random.Random(seed)
    parts, events, t = [silence(1.0)], [], 1.0
    prev_kind = None
    for kind, text, name in items:
        clip = synth(text, rng.choice(voices), rng.choice(SPEEDS), rng.randint(35, 65))
        g = command_gap if "command" in (kind, prev_kind) else rng.uniform(*gap)
        parts.append(silence(g))
        t += g
        parts.append(clip.audio)
        events.append(Event(kind, text, t + clip.start, t + clip.end, name))
        t += len(clip.audio) / RATE
        prev_kind = kind
    parts.append(silence(command_gap + 0.5))
    return np.concatenate(parts), events


def write_wav(path: Path, audio) -> None:  # type: ignore[no-untyped-def]
    import soundfile as sf

    sf.write(str(path), audio, RATE, subtype="PCM_16")


def guide_lines(pack) -> list[str]:  # type: ignore[no-untyped-def]
    """Everything the guide says in the Korean exercise, plus the pack's own lines."""
    import yaml

    from voiceguide import library

    ex = library.find("ko-presence", ())
    data = yaml.safe_load(Path(ex.path).read_text("utf-8"))
    lines: list[str] = []

    def walk(steps):  # type: ignore[no-untyped-def]
        for step in steps:
            if "say" in step:
                lines.append(" ".join(str(step["say"]).split()))
            if "turns" in step:
                walk(step["turns"]["steps"])

    walk(data["steps"])
    lines = [l.replace("{a}", pack.names[0]).replace("{b}", pack.names[1])
             .replace("{speaker}", pack.names[0]).replace("{listener}", pack.names[1]) for l in lines]
    lines += [v for k, v in vars(pack.lines).items() if "{" not in v]
    return lines


# ---- the session around the listener, on the stream's own timeline ------------------------------


class ScheduleGate:
    """The playback state on the audio's own timeline, driven by a known schedule: the guide sounds
    `text` over each span (`now` is set from the listener's level hook)."""

    def __init__(self, spans: list[tuple[float, float, str]]) -> None:
        self.spans = spans
        self.now = 0.0

    def busy(self, tail_s: float = 0.0) -> bool:
        return any(s <= self.now < e + tail_s for s, e, _ in self.spans)

    @property
    def text(self) -> str | None:
        return next((text for s, e, text in self.spans if s <= self.now <= e), None)


class PlayedAhead:
    """Hands `played` (float mono at `rate`) to an EchoReference in card-sized blocks, stamped on
    an audio clock starting at `origin`, always `ahead_s` ahead of what the mic has heard so far
    (the sound card's buffer). `heard(n)`: the mic has taken in n more samples; returns when they
    arrived."""

    def __init__(self, played, reference, rate: int, *, origin: float = 100.0, ahead_s: float = 0.1,  # type: ignore[no-untyped-def]
                 block: int = 512) -> None:
        self.played, self.reference, self.rate = played, reference, rate
        self.origin, self.ahead, self.block = origin, int(ahead_s * rate), block
        self._heard = 0
        self._pushed = 0

    def heard(self, n: int) -> float:
        self._heard += n
        while self._pushed < min(self._heard + self.ahead, len(self.played)):
            chunk = self.played[self._pushed:self._pushed + self.block]
            self.reference.push(self.origin + self._pushed / self.rate, chunk, self.rate)
            self._pushed += len(chunk)
        return self.origin + self._heard / self.rate
