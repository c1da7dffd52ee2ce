"""Each prompt's audio made once and kept in the data folder, keyed by what it is made from.

Clips can hold residents' names, so they are private like the database: the folder is 0700
and each file 0600. A greeting names a balance that changes, so the folder is kept to a size,
in clips and in bytes (a long prompt is megabytes of audio): the clips heard longest ago are
removed first, and a clip larger than the whole allowance is spoken but never kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from kiosk.storage.files import PRIVATE_FILE, private_dir
from kiosk.voice.ports import Synthesizer

log = logging.getLogger(__name__)

MAX_CLIPS = 400
MAX_BYTES = 40 * 1024 * 1024  # of speech at most, however long the clips
SUFFIX = ".wav"


class SpeechCache:
    """Audio for prompts, synthesised at the first request and read from disk after that."""

    def __init__(
        self,
        folder: Path,
        synthesizer: Synthesizer,
        *,
        rate: int,
        max_clips: int = MAX_CLIPS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.folder = Path(folder)
        self.synthesizer = synthesizer
        self.rate = rate
        self.max_clips = max_clips
        self.max_bytes = max_bytes
        # One synthesis at a time: a kiosk has one screen, and two requests for one prompt
        # (a prefetch and the prompt itself) must not make it twice.
        self._making = threading.Lock()

    def key(self, text: str, voice: str) -> str:
        """Return the digest naming a clip: the engine, voice, rate and text it is made from."""
        made_of = [self.synthesizer.name, voice, self.rate, text]
        canonical = json.dumps(made_of, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def lookup(self, text: str, voice: str) -> bytes | None:
        """Return the stored clip of a prompt, or None when it was never made."""
        path = self._path(self.key(text, voice))
        try:
            data = path.read_bytes()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # heard again: kept longest
        return data

    def make(self, text: str, voice: str) -> bytes:
        """Return a prompt's clip, synthesising and storing it unless another request did.

        Raise SpeechError when it cannot be made; a clip that cannot be stored (a full disk)
        is still returned.
        """
        with self._making:
            found = self.lookup(text, voice)
            if found is not None:
                return found
            data = self.synthesizer.synthesize(text, voice=voice, rate=self.rate)
            if len(data) > self.max_bytes:
                return data  # not kept: it would push out every other clip
            try:
                self._store(self.key(text, voice), data)
            except OSError as exc:
                log.warning("cannot keep a spoken prompt in %s: %s", self.folder, exc)
            return data

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def _store(self, key: str, data: bytes) -> None:
        private_dir(self.folder)
        partial = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}.part"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(partial, self._path(key))  # readers see the whole clip or none
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        self._prune()

    def _prune(self) -> None:
        clips = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            with contextlib.suppress(OSError):
                info = path.stat()
                clips.append((info.st_mtime, info.st_size, path))
        clips.sort(key=lambda clip: clip[0])
        count, size = len(clips), sum(clip[1] for clip in clips)
        for _, clip_size, path in clips:  # heard longest ago first
            if count <= self.max_clips and size <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
            count, size = count - 1, size - clip_size
