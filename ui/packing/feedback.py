"""Scan sounds: short WAV tones played with QSoundEffect, a system beep when audio is missing."""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from importlib import resources
from io import BytesIO
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

RATE = 22_050
OK, DONE, WARNING, ERROR = "ok", "done", "warning", "error"

# (frequency Hz, milliseconds, harmonics) per note; a harmonic-rich low note reads as a buzz.
TONES: dict[str, tuple[tuple[float, int, int], ...]] = {
    OK: ((1568.0, 70, 1),),
    DONE: ((1047.0, 90, 1), (1568.0, 160, 1)),
    WARNING: ((740.0, 120, 2), (554.0, 160, 2)),
    ERROR: ((150.0, 200, 9), (0.0, 60, 1), (150.0, 260, 9)),
}


def tone_wav(notes: tuple[tuple[float, int, int], ...], *, volume: float = 0.55) -> bytes:
    """A mono 16-bit WAV of `notes` (frequency 0 is a rest), each with a 5 ms fade in and out."""
    samples: list[int] = []
    for frequency, millis, harmonics in notes:
        count = RATE * millis // 1000
        fade = RATE * 5 // 1000
        for i in range(count):
            value = 0.0
            if frequency:
                value = sum(
                    math.sin(2 * math.pi * frequency * k * i / RATE) / k
                    for k in range(1, harmonics + 1, 2 if harmonics > 1 else 1)
                )
                value /= 1.3 if harmonics > 1 else 1.0
            envelope = min(1.0, i / fade, (count - 1 - i) / fade) if fade else 1.0
            samples.append(int(max(-1.0, min(1.0, value * volume * envelope)) * 32767))
    buffer = BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return buffer.getvalue()


def sound_file(kind: str) -> Path:
    """resources/sounds/<kind>.wav, or the same tone synthesised into a temporary file."""
    packaged = resources.files("resources").joinpath("sounds", f"{kind}.wav")
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    target = Path(tempfile.gettempdir()) / f"packbench-{kind}.wav"
    if not target.is_file():
        target.write_bytes(tone_wav(TONES[kind]))
    return target


def _effect_class():
    """QSoundEffect, or None when Qt Multimedia cannot load (no audio libraries)."""
    try:
        from PySide6.QtMultimedia import QSoundEffect
    except (ImportError, OSError) as exc:  # e.g. libpulse missing on a headless box
        log.info("sound effects unavailable, using the system beep: %s", exc)
        return None
    return QSoundEffect


class SoundPlayer(QObject):
    """Plays the station sounds; `played(kind)` is emitted for every request (tests, logs).

    Never raises: without Qt Multimedia or an audio device it falls back to the system beep for
    errors, warnings and completions, and stays silent for routine OK scans.
    """

    played = Signal(str)

    def __init__(self, parent: QObject | None = None, *, enabled: bool = True) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self._effects: dict[str, object] = {}
        self._loaded = False
        if enabled:
            self._load()  # QSoundEffect loads asynchronously: early, so the first scan is heard

    def _load(self) -> None:
        self._loaded = True
        effect_class = _effect_class()
        if effect_class is None:
            return
        for kind in TONES:
            try:
                effect = effect_class(self)
                effect.setSource(QUrl.fromLocalFile(str(sound_file(kind))))
                effect.setVolume(0.9)
            except Exception as exc:  # an audio backend that fails must not stop packing
                log.info("sound %s not loaded: %s", kind, exc)
                continue
            self._effects[kind] = effect

    def play(self, kind: str) -> None:
        self.played.emit(kind)
        if not self.enabled:
            return
        if not self._loaded:
            self._load()
        effect = self._effects.get(kind)
        try:
            if effect is not None:
                effect.play()  # type: ignore[attr-defined]
            elif kind != OK:
                QApplication.beep()
        except Exception as exc:
            log.info("could not play %s: %s", kind, exc)
