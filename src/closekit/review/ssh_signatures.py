"""SSH signatures of sign-offs (issue 16 item 4; docs/close.md "Signed sign-offs").

``closekit signoff --sign`` signs the text :func:`message` with the signer's SSH key, the scheme
git uses for signed commits (``ssh-keygen -Y sign`` with the namespace :data:`NAMESPACE`), and
stores the armored signature in the Checklist's ``PreparerSignature``/``ReviewerSignature`` cell.
Anyone can check it against the keys of the ``AllowedSigners`` sheet (``closekit verify-log``).

Pure: the text signed, the ``allowed_signers`` file of ssh-keygen(1) built from the sheet's rows,
and which keys a name may sign with. Running ``ssh-keygen`` is :mod:`closekit.pipeline.ssh_sign`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from closekit.workbook import schema

NAMESPACE = "closekit-signoff"
HEADER = "closekit sign-off v1"


def _line(value: str | None) -> str:
    """A value on one line: backslash, CR and LF escaped (so no value can forge another line)."""
    text = (value or "").strip()
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def message(*, company: str, period: str, task: str, role: str, name: str, at: str, figures: str) -> bytes:
    """The exact text signed, UTF-8, one ``key: value`` line each, ending with a newline::

    closekit sign-off v1
    company: <Settings Company>
    period: <Settings Period>
    task: <Task>
    role: preparer|reviewer
    name: <Preparer or Reviewer>
    time: <PreparedAt or ReviewedAt>
    hash: <PreparedHash or ReviewedHash: the SHA-256 of the figures>
    """
    lines = [HEADER]
    for key, value in (
        ("company", company),
        ("period", period),
        ("task", task),
        ("role", role),
        ("name", name),
        ("time", at),
        ("hash", figures),
    ):
        lines.append(f"{key}: {_line(value)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def principal_token(name: str) -> str:
    """The principal ssh-keygen sees for a name: ``p-`` and the hex of its lower-case UTF-8, so that
    a name with spaces, commas or ``*`` (ssh-keygen's pattern characters) matches only itself."""
    return "p-" + name.strip().lower().encode("utf-8").hex()


def key_blob(public_key: str | None) -> tuple[str, str] | None:
    """``(type, base64)`` of an OpenSSH public key line (``ssh-ed25519 AAAA... comment``), or None."""
    parts = (public_key or "").split()
    if len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-", "sk-")):
        return None
    return parts[0], parts[1]


@dataclass(frozen=True)
class Signer:
    row: int
    principal: str
    key: tuple[str, str]
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)


def signers(rows: list[tuple[int, schema.AllowedSignerRow]]) -> tuple[list[Signer], list[str]]:
    """The AllowedSigners rows as signers, and one sentence per row whose PublicKey cannot be read."""
    out, problems = [], []
    for row, entry in rows:
        blob = key_blob(entry.public_key)
        if blob is None:
            problems.append(
                f"AllowedSigners row {row}, column PublicKey: {entry.public_key!r} is not an SSH public key "
                f"(expected e.g. ssh-ed25519 AAAA... anna@example.com, the line of the .pub file)"
            )
            continue
        out.append(Signer(row, entry.principal.strip(), blob, entry.valid_from, entry.valid_to))
    return out, problems


def keys_of(signers_: list[Signer], name: str) -> list[Signer]:
    """The rows of ``name`` (case-insensitive, as typed in Preparer/Reviewer)."""
    key = name.strip().lower()
    return [s for s in signers_ if s.principal.lower() == key]


def allowed_signers(signers_: list[Signer]) -> str:
    """The ``allowed_signers`` file (ssh-keygen(1) "ALLOWED SIGNERS"): one line per row, its
    principal the :func:`principal_token` of the name, limited to :data:`NAMESPACE` and to the
    days ValidFrom..ValidTo (inclusive)."""
    lines = []
    for s in signers_:
        options = [f'namespaces="{NAMESPACE}"']
        if s.valid_from is not None:
            options.append(f'valid-after="{s.valid_from:%Y%m%d}"')
        if s.valid_to is not None:
            options.append(f'valid-before="{s.valid_to + dt.timedelta(days=1):%Y%m%d}"')
        lines.append(f"{principal_token(s.principal)} {','.join(options)} {s.key[0]} {s.key[1]}")
    return "".join(line + "\n" for line in lines)
