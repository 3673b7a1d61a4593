"""No lost save (issue 20 item 5): when another program (Excel, a OneDrive sync) saves the workbook
while closekit writes its new version, closekit does not replace that save. It writes nothing over
it, exits 2, and keeps its own new version in a side file beside the workbook."""

from __future__ import annotations

import os
import shutil

import openpyxl
import pytest

from closekit import cli
from closekit.samples import company as sample
from closekit.sheetio import xlsx_package


def _save_during_write(monkeypatch, path, *, keep_size_and_time: bool):
    """Make "another program" save ``path`` at the last moment of closekit's write (just before the
    replace): a workbook with one more sheet, or, with ``keep_size_and_time``, bytes of the same size
    and the same modification time (a save a size-and-time check alone would miss)."""
    original = path.read_bytes()
    info = os.stat(path)
    if keep_size_and_time:
        theirs = bytearray(original)
        theirs[-30] ^= 0x01  # one bit in the zip's end record comment area: same size
        theirs = bytes(theirs)
    else:
        wb = openpyxl.load_workbook(path)
        wb.create_sheet("SavedMeanwhile")["A1"] = "the other program's save"
        wb.save(path.with_suffix(".other.xlsx"))
        theirs = path.with_suffix(".other.xlsx").read_bytes()
    copymode = shutil.copymode

    def saved_by_someone_else(src, dst, *args, **kwargs):
        copymode(src, dst, *args, **kwargs)
        if os.path.realpath(src) == os.path.realpath(path):  # copymode(workbook, temporary)
            path.write_bytes(theirs)
            if keep_size_and_time:
                os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))

    monkeypatch.setattr(xlsx_package.shutil, "copymode", saved_by_someone_else)
    return theirs


@pytest.mark.parametrize("keep_size_and_time", [False, True])
def test_a_save_during_the_write_is_kept_and_the_new_version_goes_beside_it(
    tmp_path, monkeypatch, capsys, keep_size_and_time
):
    path = sample.write(tmp_path / "close.xlsx")
    theirs = _save_during_write(monkeypatch, path, keep_size_and_time=keep_size_and_time)
    assert cli.main(["validate", str(path)]) == 2
    assert path.read_bytes() == theirs  # their save is on disk, untouched
    err = " ".join(capsys.readouterr().err.split())
    assert "saved by another program" in err and "your save is kept" in err
    sides = sorted(tmp_path.glob("close.closekit-new-*.xlsx"))
    assert len(sides) == 1 and sides[0].name in err
    side = openpyxl.load_workbook(sides[0])
    assert "Findings" in side.sheetnames and "Settings" in side.sheetnames  # the outputs, with the inputs
    assert not list(tmp_path.glob(".~closekit-*"))  # no temporary left behind


def test_without_a_save_in_between_the_workbook_is_replaced(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")
    before = path.read_bytes()
    assert cli.main(["validate", str(path)]) == 0
    assert path.read_bytes() != before and "Findings" in openpyxl.load_workbook(path).sheetnames
    assert not list(tmp_path.glob("close.closekit-new-*"))


def test_disk_state_sees_same_size_and_time_with_other_bytes(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abcd")
    state = xlsx_package.DiskState.of(path, path.read_bytes())
    assert state.holds(path)
    info = os.stat(path)
    path.write_bytes(b"abce")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert not state.holds(path)
    path.unlink()
    assert not state.holds(path)
