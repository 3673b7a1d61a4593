"""Running ``ssh-keygen`` for signed sign-offs (docs/close.md "Signed sign-offs"): sign the text of
:func:`closekit.review.ssh_signatures.message` with the signer's key, and verify the Checklist's
signatures against the AllowedSigners sheet. The text and the allowed_signers file are built by the
pure :mod:`closekit.review.ssh_signatures`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from closekit.core import parsing
from closekit.errors import UsageError
from closekit.review import signoff_rules, signoffs
from closekit.review import ssh_signatures as ssh
from closekit.review.signoff_rules import moment
from closekit.sheetio.base import SheetIO, a1
from closekit.workbook import schema
from closekit.workbook.book import read_rows, read_settings

_FINGERPRINT = re.compile(r"(SHA256:[A-Za-z0-9+/=]+)")


def ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if not found:
        raise UsageError(
            "closekit signoff --sign needs ssh-keygen (OpenSSH 8.2 or later), which is not on the PATH: "
            "install OpenSSH, or sign without --sign"
        )
    return found


def default_key() -> Path:
    """git's ``user.signingkey`` when set, else ``~/.ssh/id_ed25519``."""
    git = shutil.which("git")
    if git:
        try:
            done = subprocess.run(
                [git, "config", "--get", "user.signingkey"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            done = None
        value = done.stdout.strip() if done is not None and done.returncode == 0 else ""
        if value and not value.startswith("key::"):
            return Path(value).expanduser()
    return Path("~/.ssh/id_ed25519").expanduser()


def public_key(keygen: str, key: Path) -> str:
    """The public key line of ``key`` (a private key, whose ``.pub`` lies beside it, or a ``.pub``)."""
    if not key.is_file():
        raise UsageError(
            f"closekit signoff --sign: there is no SSH key {key}: name yours with --key KEYFILE (or set git's "
            f"user.signingkey; make one with ssh-keygen -t ed25519)"
        )
    pub = key if key.suffix == ".pub" else key.with_name(key.name + ".pub")
    if pub.is_file():
        return pub.read_text(encoding="utf-8", errors="replace").strip()
    done = subprocess.run([keygen, "-y", "-f", str(key)], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise UsageError(f"closekit signoff --sign: {key} is not an SSH key ssh-keygen can read: {done.stderr.strip()}")
    return done.stdout.strip()


def sign(key: Path, text: bytes) -> str:
    """The armored SSH signature of ``text`` by ``key`` in the closekit-signoff namespace."""
    keygen = ssh_keygen()
    with tempfile.TemporaryDirectory(prefix="closekit-sign-") as folder:
        path = Path(folder) / "signoff.txt"
        path.write_bytes(text)
        done = subprocess.run(
            [keygen, "-Y", "sign", "-n", ssh.NAMESPACE, "-f", str(key), str(path)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        signature = Path(str(path) + ".sig")
        if done.returncode != 0 or not signature.is_file():
            raise UsageError(f"closekit signoff --sign: ssh-keygen could not sign with {key}: {done.stderr.strip()}")
        return signature.read_text(encoding="ascii").strip()


def verify(
    signers: list[ssh.Signer], name: str, text: bytes, signature: str, at: str, allowed_file: Path | None = None
) -> tuple[bool, str]:
    """(True, ``SHA256:...`` of the key) when ``signature`` is ``name``'s signature of ``text`` by
    a key of theirs in AllowedSigners valid at ``at``; else (False, ssh-keygen's reason).
    ``allowed_file``: an allowed_signers file kept elsewhere instead, its principals the names."""
    keygen = ssh_keygen()
    mine = ssh.keys_of(signers, name)
    if allowed_file is None and not mine:
        return False, f"AllowedSigners has no key for {name}"
    when = moment(at)
    with tempfile.TemporaryDirectory(prefix="closekit-verify-") as folder:
        allowed = Path(folder) / "allowed_signers"
        allowed.write_text(ssh.allowed_signers(mine), encoding="utf-8")
        sig = Path(folder) / "signoff.sig"
        sig.write_text(signature.strip() + "\n", encoding="ascii", errors="replace")
        if allowed_file is not None:
            command = [keygen, "-Y", "verify", "-f", str(allowed_file), "-I", name]
        else:
            command = [keygen, "-Y", "verify", "-f", str(allowed), "-I", ssh.principal_token(name)]
        command += ["-n", ssh.NAMESPACE, "-s", str(sig)]
        if when is not None:
            command.append(f"-Overify-time={when:%Y%m%d%H%M%S}")
        done = subprocess.run(command, input=text, capture_output=True, timeout=60, check=False)
    output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    if done.returncode == 0:
        found = _FINGERPRINT.search(output)
        return True, found.group(1) if found else "?"
    reason = " ".join(line.strip() for line in output.splitlines() if line.strip() and not line.startswith("allowed"))
    return False, reason or "ssh-keygen could not verify it"


def read_signers(io: SheetIO) -> tuple[list[ssh.Signer], list[str]]:
    sheet = io.read_sheet("AllowedSigners")
    if sheet is None or not len(sheet):
        return [], []
    rows, found = read_rows(sheet, schema.AllowedSignerRow)
    signers, problems = ssh.signers(rows)
    problems += [f"AllowedSigners row {f.get('Row')}, column {f.get('Column')}: {f.get('Message')}" for f in found]
    return signers, problems


def check_key(signers: list[ssh.Signer], name: str, key_line: str, day: dt.date) -> str | None:
    """Why ``name`` may not sign with ``key_line`` (None: an AllowedSigners row of theirs holds it)."""
    blob = ssh.key_blob(key_line)
    mine = ssh.keys_of(signers, name)
    if not mine:
        return (
            f"the AllowedSigners sheet has no row for {name}: add a row with Principal {name} and PublicKey "
            f"{key_line} (before signing; whoever keeps the workbook should check it is theirs)"
        )
    matching = [s for s in mine if s.key == blob]
    if not matching:
        rows = ", ".join(str(s.row) for s in mine)
        return (
            f"the key {key_line} is not {name}'s in the AllowedSigners sheet (row {rows} holds another): sign with "
            f"the key listed there (--key KEYFILE), or add this one"
        )
    if not any(s.valid_on(day) for s in matching):
        row = matching[0].row
        return f"{name}'s key in AllowedSigners row {row} is not valid today ({day:%Y-%m-%d}): see ValidFrom/ValidTo"
    return None


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    cell: str
    text: str


def verify_checklist(io: SheetIO, allowed_file: Path | None = None) -> list[SignatureCheck]:
    """Every signature of the Checklist, verified (one line each for ``closekit verify-log``),
    against the AllowedSigners sheet or ``allowed_file`` (an ssh-keygen allowed_signers file)."""
    if allowed_file is not None and not allowed_file.is_file():
        raise UsageError(f"closekit verify-log: there is no allowed-signers file {allowed_file}")
    sheet = io.read_sheet("Checklist")
    if sheet is None or not len(sheet):
        return []
    rows, _ = read_rows(sheet, schema.ChecklistRow)
    columns = signoffs.columns_of(sheet)
    settings = read_settings(io.read_sheet("Settings"))[0]
    company, period = (settings.company, settings.period) if settings else ("", "")
    signers: list[ssh.Signer] | None = None
    out = []
    for row, task in rows:
        for role, (_, at_col, hash_col) in signoffs.ROLES.items():
            column = signoff_rules.SIGNATURES[role]
            number = columns.get(parsing.header_key(column))
            signature = (getattr(task, f"{role}_signature") or "").strip()
            if not number or not signature:
                continue
            cell = f"Checklist!{a1(row, number)}"
            if signers is None and allowed_file is not None:
                signers = []
            if signers is None:
                signers, problems = read_signers(io)
                if problems:
                    raise UsageError(f"{io.where}: " + "; ".join(problems))
            name = (getattr(task, role) or "").strip()
            at = getattr(task, "prepared_at" if role == "preparer" else "reviewed_at") or ""
            figures = getattr(task, "prepared_hash" if role == "preparer" else "reviewed_hash") or ""
            text = ssh.message(
                company=company, period=period, task=task.task, role=role, name=name, at=at, figures=figures
            )
            ok, detail = verify(signers, name, text, signature, at, allowed_file)
            if ok:
                out.append(SignatureCheck(True, cell, f"task {task.task!r} {role} signed by {name} (key {detail})"))
            else:
                out.append(
                    SignatureCheck(
                        False,
                        cell,
                        f"{cell}: the {role} signature of task {task.task!r} by {name or '(no name)'} does not "
                        f"verify: {detail} (the signature, the name, {at_col}, {hash_col} or the key was changed "
                        f"after it was signed)",
                    )
                )
    return out
