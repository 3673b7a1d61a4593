"""Sign-offs anyone can verify (issue 16 item 4): ``closekit signoff --sign`` signs the figures'
hash with the signer's SSH key (ssh-keygen -Y sign, namespace closekit-signoff) against the
AllowedSigners sheet, and ``closekit verify-log`` verifies every signature and names the signer."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from closekit import cli
from closekit.review import ssh_signatures
from closekit.samples import company as sample
from closekit.sheetio.base import a1
from closekit.sheetio.files import FileWorkbook

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen (OpenSSH) is not installed")

TB_TASK = "Review the ledger journal report and trial balance"


def keygen(path, comment="anna@example.com"):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True)
    return path


def fingerprint(path) -> str:
    done = subprocess.run(["ssh-keygen", "-l", "-f", str(path)], check=True, capture_output=True, text=True)
    return done.stdout.split()[1]


def allow(workbook, *rows: tuple[str, str]) -> None:
    cells = {}
    for number, (principal, key) in enumerate(rows, start=2):
        cells[a1(number, 1)] = principal
        cells[a1(number, 2)] = key
    FileWorkbook(workbook).write_sheets([], {"AllowedSigners": cells})


def cell_of(workbook, column: str, name: str = TB_TASK) -> str:
    sheet = FileWorkbook(workbook).read_sheet("Checklist")
    row = int(sheet.rows[sheet.frame.index[sheet.frame["Task"] == name][0]])
    return a1(row, sheet.meta["column_numbers"][column])


def task(workbook, name: str = TB_TASK):
    return FileWorkbook(workbook).read_sheet("Checklist").frame.set_index("Task").loc[name]


def type_in(workbook, **cells: object) -> None:
    FileWorkbook(workbook).write_sheets([], {"Checklist": {cell_of(workbook, k): v for k, v in cells.items()}})


def blank(value) -> bool:
    return not isinstance(value, str) or not value.strip()


@pytest.fixture
def signed(sample_workbook, tmp_path, capsys):
    """The sample after a close, with anna's key allowed and her preparer sign-off signed."""
    key = keygen(tmp_path / "anna")
    allow(sample_workbook, ("Anna Berg", (tmp_path / "anna.pub").read_text().strip()))
    assert cli.main(["close", str(sample_workbook)]) == 0
    code = cli.main(
        [
            "signoff",
            str(sample_workbook),
            TB_TASK,
            "--as",
            "preparer",
            "--name",
            "Anna Berg",
            "--sign",
            "--key",
            str(key),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "SSH-signed" in capsys.readouterr().out
    return sample_workbook, key


def test_the_signature_is_stored_and_verify_log_names_the_signer_and_key(signed, capsys):
    workbook, key = signed
    row = task(workbook)
    assert row["PreparerSignature"].startswith("-----BEGIN SSH SIGNATURE-----")
    assert row["PreparedHash"] == row["FiguresHash"]
    assert cli.main(["verify-log", str(workbook)]) == 0
    out = capsys.readouterr().out
    assert f"Task {TB_TASK!r} preparer signed by Anna Berg (key {fingerprint(key)})" in out


def test_the_signature_verifies_with_ssh_keygen_itself_on_the_documented_message(signed, tmp_path):
    workbook, _ = signed
    row = task(workbook)
    settings = FileWorkbook(workbook).read_sheet("Settings").frame.set_index("Setting")["Value"]
    text = (
        "closekit sign-off v1\n"
        f"company: {settings['Company']}\nperiod: {settings['Period']}\ntask: {TB_TASK}\nrole: preparer\n"
        f"name: Anna Berg\ntime: {row['PreparedAt']}\nhash: {row['PreparedHash']}\n"
    )
    (tmp_path / "allowed").write_text(f"anna {(tmp_path / 'anna.pub').read_text()}")
    (tmp_path / "sig").write_text(row["PreparerSignature"] + "\n")
    done = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(tmp_path / "allowed"),
            "-I",
            "anna",
            "-n",
            "closekit-signoff",
            "-s",
            str(tmp_path / "sig"),
        ],
        input=text.encode(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_tampered_signature_cell_is_named(signed, capsys):
    workbook, _ = signed
    signature = task(workbook)["PreparerSignature"]
    lines = signature.splitlines()
    lines[2] = lines[2][:10] + ("A" if lines[2][10] != "A" else "B") + lines[2][11:]
    type_in(workbook, PreparerSignature="\n".join(lines))
    assert cli.main(["verify-log", str(workbook)]) == 1
    err = capsys.readouterr().err
    assert f"Checklist!{cell_of(workbook, 'PreparerSignature')}: the preparer signature of task" in err
    assert "does not verify" in err


def test_a_changed_hash_or_name_no_longer_verifies(signed, capsys):
    workbook, _ = signed
    type_in(workbook, PreparedHash="0" * 64)
    assert cli.main(["verify-log", str(workbook)]) == 1
    assert "does not verify" in capsys.readouterr().err
    workbook_hash = task(workbook)["FiguresHash"]
    type_in(workbook, PreparedHash=workbook_hash, Preparer="Bob Stone")
    assert cli.main(["verify-log", str(workbook)]) == 1
    assert "by Bob Stone does not verify: AllowedSigners has no key for Bob Stone" in capsys.readouterr().err


def test_a_key_not_in_allowed_signers_is_refused_before_writing(sample_workbook, tmp_path, capsys):
    keygen(tmp_path / "anna")
    other = keygen(tmp_path / "mallory", "mallory@example.com")
    allow(sample_workbook, ("Anna Berg", (tmp_path / "anna.pub").read_text().strip()))
    assert cli.main(["close", str(sample_workbook)]) == 0
    capsys.readouterr()
    args = ["signoff", str(sample_workbook), TB_TASK, "--as", "preparer", "--sign", "--key", str(other)]
    assert cli.main([*args, "--name", "Anna Berg"]) == 2
    err = capsys.readouterr().err
    assert "is not Anna Berg's in the AllowedSigners sheet (row 2 holds another)" in err
    assert cli.main([*args, "--name", "Bob Stone"]) == 2  # a different signer's name: no row of theirs
    assert "the AllowedSigners sheet has no row for Bob Stone" in capsys.readouterr().err
    row = task(sample_workbook)
    assert blank(row["PreparedAt"]) and blank(row["PreparerSignature"])


def test_a_missing_key_or_ssh_keygen_is_refused(sample_workbook, tmp_path, capsys, monkeypatch):
    assert cli.main(["close", str(sample_workbook)]) == 0
    args = ["signoff", str(sample_workbook), TB_TASK, "--as", "preparer", "--name", "Anna Berg", "--sign"]
    capsys.readouterr()
    assert cli.main([*args, "--key", str(tmp_path / "nokey")]) == 2
    assert "there is no SSH key" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cli.main([*args, "--key", str(tmp_path / "nokey")]) == 2
    assert "needs ssh-keygen" in capsys.readouterr().err


def test_changed_figures_suspend_the_sign_off_and_clear_its_signature(signed, capsys):
    workbook, _ = signed
    path = workbook.parent / sample.JOURNAL_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("4500.00", "4600.00"), encoding="utf-8")
    cli.main(["close", str(workbook)])
    row = task(workbook)
    assert row["Status"] == "Sign-off suspended"
    assert blank(row["PreparerSignature"])
    capsys.readouterr()
    assert cli.main(["verify-log", str(workbook)]) == 0
    assert "signed by" not in capsys.readouterr().out


def test_the_message_escapes_line_breaks_so_no_value_forges_a_line():
    text = ssh_signatures.message(
        company="ACME", period="2026-10", task="a\nhash: 00", role="preparer", name="A", at="t", figures="ff"
    ).decode()
    assert text.splitlines() == [
        "closekit sign-off v1",
        "company: ACME",
        "period: 2026-10",
        "task: a\\nhash: 00",
        "role: preparer",
        "name: A",
        "time: t",
        "hash: ff",
    ]
    assert ssh_signatures.principal_token("Berg, Anna*") == ssh_signatures.principal_token(" berg, anna* ")


def test_verify_log_against_an_allowed_signers_file_kept_elsewhere(signed, tmp_path, capsys):
    workbook, key = signed
    kept = tmp_path / "allowed_signers"
    kept.write_text(f'"Anna Berg" {(tmp_path / "anna.pub").read_text()}')
    capsys.readouterr()
    assert cli.main(["verify-log", str(workbook), "--allowed-signers", str(kept)]) == 0
    assert f"preparer signed by Anna Berg (key {fingerprint(key)})" in capsys.readouterr().out
    # someone edits the sheet's key to their own: the copy kept elsewhere still tells
    keygen(tmp_path / "mallory", "mallory@example.com")
    kept.write_text(f'"Anna Berg" {(tmp_path / "mallory.pub").read_text()}')
    assert cli.main(["verify-log", str(workbook), "--allowed-signers", str(kept)]) == 1
    assert "by Anna Berg does not verify" in capsys.readouterr().err
