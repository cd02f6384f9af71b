"""Listening for voice commands: audio source → recogniser → acceptance rules → Command events.

Heavy imports (vosk, sounddevice, numpy) happen inside functions, so importing this is cheap.
"""

from voiceguide.listen.accept import AcceptConfig, Acceptor, Decision
from voiceguide.listen.recognizer import Hypothesis, ModelProblem, Recognizer, Word

__all__ = ["AcceptConfig", "Acceptor", "Decision", "Hypothesis", "ModelProblem", "Recognizer", "Word"]
