"""Mandarin (and English) speech from Debian's espeak-ng, run once per prompt."""

from __future__ import annotations

import re
import shutil
import subprocess

from kiosk.voice.ports import SpeechError
from kiosk.voice.wav import rewrap

# A voice name goes on the command line: letters, digits and dashes, never an option.
VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+-]{0,39}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EspeakSynthesizer:
    """Speak with the espeak-ng program (`apt-get install espeak-ng`; Mandarin is `cmn`)."""

    name = "espeak-ng"

    def __init__(self, program: str = "espeak-ng", timeout: float = 10.0) -> None:
        self.program = program
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.program}>"

    def is_usable(self) -> bool:
        """Tell whether the espeak-ng program is installed."""
        return shutil.which(self.program) is not None

    def synthesize(self, text: str, *, voice: str, rate: int) -> bytes:
        """Return a WAV file of ``text``; raise SpeechError when espeak-ng cannot make one."""
        if not VOICE_NAME.fullmatch(voice):
            raise SpeechError(f"not a voice name: {voice!r}")
        program = shutil.which(self.program)
        if program is None:
            raise SpeechError(f"{self.program} is not installed (apt-get install espeak-ng)")
        # The text goes in on stdin, never on the command line: a prompt starting with "-" is
        # not an option, and no shell ever sees it. Without -m, markup is read as plain text.
        command = [program, "-v", voice, "-s", str(int(rate)), "-b", "1", "--stdout"]
        spoken = CONTROL.sub(" ", text).strip()
        try:
            done = subprocess.run(
                command,
                input=spoken.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SpeechError(f"{self.program} took longer than {self.timeout} s") from None
        except OSError as exc:
            raise SpeechError(f"{self.program} could not be run: {exc}") from None
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip()[:200]
            raise SpeechError(f"{self.program} failed ({done.returncode}): {why}")
        try:
            return rewrap(done.stdout)
        except ValueError as exc:
            raise SpeechError(f"{self.program} gave no audio: {exc}") from None
