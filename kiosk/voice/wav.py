"""WAV files in memory: 16-bit mono PCM written, and a stream's header made true."""

from __future__ import annotations

import array
import io
import sys
import wave


def pcm_to_wav(frames: bytes, rate: int, *, channels: int = 1, width: int = 2) -> bytes:
    """Return a WAV file holding raw PCM frames."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def rewrap(data: bytes) -> bytes:
    """Return a WAV file with true sizes in its header.

    A synthesiser writing to a pipe cannot go back to fill in the sizes: espeak-ng leaves
    0x7ffff000 there, which players read as a clip of hours. Raise ValueError when ``data``
    is not a PCM WAV file or holds no sound at all.
    """
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            params = w.getparams()
            frames = w.readframes(w.getnframes())  # stops at the end of what is really there
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a WAV file: {exc}") from None
    usable = len(frames) - len(frames) % (params.sampwidth * params.nchannels)
    if usable <= 0:
        raise ValueError("the WAV file holds no audio")
    return pcm_to_wav(
        frames[:usable], params.framerate, channels=params.nchannels, width=params.sampwidth
    )


SILENT = 328  # a peak under 1 % of full scale: nothing a shopper would hear


def peak(data: bytes) -> int:
    """Return the loudest sample of a 16-bit PCM WAV file (0 for silence or another format)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            if w.getsampwidth() != 2:
                return 0
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError):
        return 0
    samples = array.array("h")
    samples.frombytes(frames[: len(frames) - len(frames) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return max((abs(s) for s in samples), default=0)
