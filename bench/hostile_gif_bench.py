"""What a GIF of very many one-pixel frames costs an upload, with and without the limits.

    .venv/bin/python bench/hostile_gif_bench.py [FRAMES ...]

The attack's file: 430,000 frames of one pixel in under 10 MB (each frame a few dozen
bytes). For each frame count (default 100,000 and 430,000) the check and clean copy that
both upload doors run (``imaging.clean_image_bytes``) is timed in a fresh process, once
with the settings' limits and once with them lifted (``IMAGE_MAX_FRAMES`` and
``IMAGE_DECODE_SECONDS`` set out of reach, close to the code before the limits), and the
outcome, seconds and the process's peak memory are printed. The files are written byte by
byte (Pillow takes minutes to write 430,000 frames); the tests use Pillow-made ones. A
benchmark, not a test: it prints figures and asserts nothing.
"""

import json
import os
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def many_frame_gif(frames):
    """A valid GIF89a of ``frames`` 1 × 1 frames, black and white in turn."""
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    looping = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    blocks = []
    for colour in (0, 1):
        control = b"!\xf9\x04\x00\x02\x00\x00\x00"  # 20 ms
        descriptor = b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        # LZW with 2-bit codes: clear (4), the pixel, end (5), in 3-bit codes.
        codes = 4 | (colour << 3) | (5 << 6)
        blocks.append(control + descriptor + b"\x02\x02" + struct.pack("<H", codes) + b"\x00")
    return header + looping + b"".join(blocks[i % 2] for i in range(frames)) + b";"


def one(frames, limits):
    """In this (fresh) process: check and clean one file; print what happened as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from explainers import imaging

    if not limits:
        settings.IMAGE_MAX_FRAMES = 10**9
        settings.IMAGE_DECODE_SECONDS = 10**9
    data = many_frame_gif(frames)
    upload = SimpleUploadedFile("loop.gif", data, "image/gif")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        imaging.clean_image_bytes(upload)
        outcome = "accepted"
    except ValidationError as refused:
        outcome = f"refused ({refused.code})"
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "bytes": len(data),
                "outcome": outcome,
                "seconds": seconds,
                "peak_mb": peak / 1024,
                "grew_mb": (peak - before) / 1024,
            }
        )
    )


def main(counts):
    print(f"{'frames':>8} {'file':>8} {'limits':>7} {'outcome':>26} {'seconds':>8} {'+MB':>7}")
    for frames in counts:
        for limits in (True, False):
            run = subprocess.run(
                [sys.executable, __file__, "--one", str(frames), "1" if limits else "0"],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(run.stdout.strip().splitlines()[-1])
            print(
                f"{frames:8d} {figures['bytes'] / 1e6:6.1f}MB {'on' if limits else 'off':>7} "
                f"{figures['outcome']:>26} {figures['seconds']:8.2f} {figures['grew_mb']:7.0f}"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(int(sys.argv[2]), sys.argv[3] == "1")
    else:
        main([int(arg) for arg in sys.argv[1:]] or [100_000, 430_000])
