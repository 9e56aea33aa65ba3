"""Pagefind's bundle made reproducible: the CBOR codec and the canonical filters."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from pipeline import pagefind_bundle as bundle


@pytest.mark.parametrize(("value", "encoded"), [
    (0, b"\x00"), (23, b"\x17"), (24, b"\x18\x18"), (255, b"\x18\xff"), (256, b"\x19\x01\x00"),
    (65536, b"\x1a\x00\x01\x00\x00"), (2 ** 32, b"\x1b\x00\x00\x00\x01\x00\x00\x00\x00"),
    (-1, b"\x20"), (-25, b"\x38\x18"), ("", b"\x60"), ("a", b"\x61a"),
    ("đ", b"\x62\xc4\x91"), (b"\x01", b"\x41\x01"),
    ([], b"\x80"), ([1, ["a"]], b"\x82\x01\x81\x61a"), ({"a": 1}, b"\xa1\x61a\x01"),
])
def test_cbor_round_trip(value, encoded):
    assert (encoded, (value, len(encoded))) == (bundle.encode(value), bundle.decode(encoded))


@pytest.mark.parametrize("value", [1.5, True, None, (1, 2)])
def test_cbor_refuses_what_pagefind_does_not_write(value):
    with pytest.raises(bundle.BundleError):
        bundle.encode(value)


def write(path: Path, value) -> None:
    path.write_bytes(gzip.compress(bundle.SIGNATURE + bundle.encode(value), mtime=0))


def fake_bundle(root: Path, order: int) -> Path:
    """A bundle as Pagefind writes it, filters and their values in a run-dependent order."""
    filters = {"kind": [["Project", [1, 2]], ["Establishment", [0]]],
               "district": [["Hòa An", [0, 1]], ["Quảng Hòa", [2]]]}
    (root / "filter").mkdir(parents=True)
    listed = []
    for number, (name, values) in enumerate(sorted(filters.items(), reverse=bool(order))):
        file_hash = f"en_{order}{number}abcde"
        write(root / "filter" / f"{file_hash}.pf_filter",
              [name, values[::-1] if order else values])
        listed.append([name, file_hash])
    write(root / f"pagefind.en_{order}000000000.pf_meta",
          ["1.5.2", [["en_page", 10]], [], listed, [], ["title"]])
    (root / "pagefind-entry.json").write_text(json.dumps(
        {"version": "1.5.2", "languages": {"en": {"hash": f"en_{order}000000000",
                                                  "wasm": "en", "page_count": 3}}}))
    return root


def manifest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_orders_become_the_same_bytes(tmp_path):
    first, second = fake_bundle(tmp_path / "a", 0), fake_bundle(tmp_path / "b", 1)
    assert manifest(first) != manifest(second)
    bundle.canonicalise(first)
    bundle.canonicalise(second)
    assert manifest(first) == manifest(second)


def test_the_entry_metadata_and_filters_point_at_each_other(tmp_path):
    root = fake_bundle(tmp_path, 1)
    bundle.canonicalise(root)
    entry = json.loads((root / "pagefind-entry.json").read_text())
    meta = bundle.read_file(root / f"pagefind.{entry['languages']['en']['hash']}.pf_meta")
    filters = {name: bundle.read_file(root / "filter" / f"{file_hash}.pf_filter")
               for name, file_hash in meta[bundle.FILTERS]}
    assert ["district", "kind"] == [name for name, _ in meta[bundle.FILTERS]]
    assert {"district": ["district", [["Hòa An", [0, 1]], ["Quảng Hòa", [2]]]],
            "kind": ["kind", [["Establishment", [0]], ["Project", [1, 2]]]]} == filters
    assert 3 == len(list(root.rglob("*.pf_*")))  # the old files are gone


def test_a_file_that_is_not_pagefind_data_is_refused(tmp_path):
    (tmp_path / "x.pf_meta").write_bytes(gzip.compress(b"not pagefind"))
    with pytest.raises(bundle.BundleError):
        bundle.read_file(tmp_path / "x.pf_meta")
