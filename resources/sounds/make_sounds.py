"""Write the station's WAV files (ok, done, warning, error) next to this script; run once."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ui.packing.feedback import TONES, tone_wav


def main() -> None:
    folder = Path(__file__).resolve().parent
    for kind, notes in TONES.items():
        target = folder / f"{kind}.wav"
        target.write_bytes(tone_wav(notes))
        print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
