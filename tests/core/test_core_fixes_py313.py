"""Core changes made while supporting Python 3.12 and 3.13."""

from __future__ import annotations

from llm.attachments import mimetype_from_bytes, mimetype_from_path

# An ID3v2.3 tag followed by an MPEG audio frame header: an ordinary MP3 file.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\0" * 64


def test_id3_tagged_file_is_mp3_whatever_puremagic_ranks_first(tmp_path):
    # puremagic 2 (what Python 3.12+ installs) ranks a rare MP3 variant first.
    assert mimetype_from_bytes(MP3) == "audio/mpeg"
    path = tmp_path / "song.bin"
    path.write_bytes(MP3)
    assert mimetype_from_path(path) == "audio/mpeg"
