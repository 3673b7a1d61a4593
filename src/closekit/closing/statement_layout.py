"""The line hierarchy of the balance sheet and the income statement (issue 18 item 1): which lines
there are, which line adds into which, in what order, with what labels.

Three layouts, chosen by Settings ``StatementLayout``:

- ``IFRS`` (default): the lines of IAS 1.54 (statement of financial position) and IAS 1.82/103
  (profit or loss, expenses by function: revenue, cost of sales, gross profit, ..., operating
  result, profit before tax, profit for the period).
- ``HGB``: §266 (Bilanz, Aktiva/Passiva) and §275 (2) (Gesamtkostenverfahren).
- ``Custom``: the rows of the StatementLines sheet (Line, Parent, Order, Sign, Label, LabelDE).

An account goes to the line its Accounts ``StatementLine`` names: the line's code, one of its
labels or (built-in layouts) a usual other name (``Receivables``, ``Payables``, ``Financial
result``...), compared without case and surrounding blanks; a blank StatementLine counts as the account's
Type. A StatementLine no line has becomes a line of its own with that text, under the layout's
line for the account's Type (IFRS: current assets, current liabilities, equity, operating result),
after the layout's lines; in a Custom layout under the line named like the Type, else at the top.

Pure: no files, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from closekit.workbook.book import CloseBook


@dataclass
class Node:
    line: str
    parent: str | None
    order: float
    sign: int
    label: str
    label_de: str = ""
    #: The label of the line's total row; blank: the label (a line with lines under it) or "Total <label>".
    total: str = ""
    total_de: str = ""
    #: Other names an Accounts StatementLine may use for the line (e.g. ``Receivables``).
    aliases: tuple[str, ...] = ()
    children: list[Node] = field(default_factory=list)

    def text(self, language: str) -> str:
        return (self.label_de or self.label) if language == "de" else self.label

    def total_text(self, language: str) -> str:
        own = (self.total_de or self.total) if language == "de" else self.total
        if own:
            return own
        if self.children:
            return self.text(language)
        return ("Summe " if language == "de" else "Total ") + self.text(language)


@dataclass
class Layout:
    name: str
    nodes: dict[str, Node]
    #: The top lines of the balance sheet's two sides and of the income statement.
    assets: str
    equity_and_liabilities: str
    income: str
    #: Line of each account Type for StatementLine texts no line has; and the line of the profit row.
    by_type: dict[str, str]
    profit_host: str
    #: The line of cash accounts (for the cash-flow statement when no account is marked Cash).
    cash_line: str = ""

    def roots(self) -> list[Node]:
        return sorted((n for n in self.nodes.values() if n.parent is None), key=lambda n: n.order)

    def find(self, text: str) -> str | None:
        key = text.strip().casefold()
        for n in self.nodes.values():
            names = (n.line, n.label, n.label_de, *n.aliases)
            if key in (name.casefold() for name in names):
                return n.line
        return None

    def add(self, node: Node) -> None:
        self.nodes[node.line] = node
        if node.parent is not None:
            self.nodes[node.parent].children.append(node)
            self.nodes[node.parent].children.sort(key=lambda n: n.order)

    def depth(self, line: str) -> int:
        d, node = 0, self.nodes[line]
        while node.parent is not None:
            d, node = d + 1, self.nodes[node.parent]
        return d

    def root_of(self, line: str) -> str:
        node = self.nodes[line]
        while node.parent is not None:
            node = self.nodes[node.parent]
        return node.line


# (line, parent, label, label_de, total, total_de)
_IFRS = [
    ("A", None, "Assets", "Vermögenswerte", "Total assets", "Summe Vermögenswerte"),
    ("NCA", "A", "Non-current assets", "Langfristige Vermögenswerte", "Total non-current assets",
     "Summe langfristige Vermögenswerte"),
    ("PPE", "NCA", "Property, plant and equipment", "Sachanlagen", "", ""),
    ("INT", "NCA", "Intangible assets", "Immaterielle Vermögenswerte", "", ""),
    ("FA", "NCA", "Financial assets", "Finanzielle Vermögenswerte", "", ""),
    ("DTA", "NCA", "Deferred tax assets", "Latente Steueransprüche", "", ""),
    ("CA", "A", "Current assets", "Kurzfristige Vermögenswerte", "Total current assets",
     "Summe kurzfristige Vermögenswerte"),
    ("INV", "CA", "Inventories", "Vorräte", "", ""),
    ("TR", "CA", "Trade and other receivables", "Forderungen aus Lieferungen und Leistungen", "", ""),
    ("OCA", "CA", "Other current assets", "Sonstige kurzfristige Vermögenswerte", "", ""),
    ("CASH", "CA", "Cash and cash equivalents", "Zahlungsmittel und Zahlungsmitteläquivalente", "", ""),
    ("EL", None, "Equity and liabilities", "Eigenkapital und Schulden", "Total equity and liabilities",
     "Summe Eigenkapital und Schulden"),
    ("E", "EL", "Equity", "Eigenkapital", "Total equity", "Summe Eigenkapital"),
    ("SC", "E", "Share capital", "Gezeichnetes Kapital", "", ""),
    ("RES", "E", "Reserves", "Rücklagen", "", ""),
    ("RE", "E", "Retained earnings", "Gewinnrücklagen", "", ""),
    ("NCI", "E", "Non-controlling interests", "Nicht beherrschende Anteile", "", ""),
    ("L", "EL", "Liabilities", "Schulden", "Total liabilities", "Summe Schulden"),
    ("NCL", "L", "Non-current liabilities", "Langfristige Schulden", "Total non-current liabilities",
     "Summe langfristige Schulden"),
    ("BOR", "NCL", "Borrowings", "Finanzverbindlichkeiten", "", ""),
    ("PROV", "NCL", "Provisions", "Rückstellungen", "", ""),
    ("DTL", "NCL", "Deferred tax liabilities", "Latente Steuerschulden", "", ""),
    ("CL", "L", "Current liabilities", "Kurzfristige Schulden", "Total current liabilities",
     "Summe kurzfristige Schulden"),
    ("TP", "CL", "Trade and other payables", "Verbindlichkeiten aus Lieferungen und Leistungen", "", ""),
    ("CBOR", "CL", "Current borrowings", "Kurzfristige Finanzverbindlichkeiten", "", ""),
    ("TAX", "CL", "Current tax liabilities", "Tatsächliche Steuerschulden", "", ""),
    ("OCL", "CL", "Other current liabilities", "Sonstige kurzfristige Schulden", "", ""),
    ("PL", None, "Profit for the period", "Periodenergebnis", "", ""),
    ("PBT", "PL", "Profit before tax", "Ergebnis vor Steuern", "", ""),
    ("OP", "PBT", "Operating result", "Betriebsergebnis", "", ""),
    ("GP", "OP", "Gross profit", "Bruttoergebnis vom Umsatz", "", ""),
    ("REV", "GP", "Revenue", "Umsatzerlöse", "", ""),
    ("COS", "GP", "Cost of sales", "Umsatzkosten", "", ""),
    ("OI", "OP", "Other income", "Sonstige Erträge", "", ""),
    ("DIST", "OP", "Distribution costs", "Vertriebskosten", "", ""),
    ("ADM", "OP", "Administrative expenses", "Verwaltungskosten", "", ""),
    ("OE", "OP", "Other expenses", "Sonstige Aufwendungen", "", ""),
    ("FR", "PBT", "Net finance result", "Finanzergebnis", "", ""),
    ("FIN", "FR", "Finance income", "Finanzerträge", "", ""),
    ("FC", "FR", "Finance costs", "Finanzierungsaufwendungen", "", ""),
    ("ITX", "PL", "Income tax expense", "Ertragsteuern", "", ""),
]

_HGB = [
    ("AKT", None, "Assets", "Aktiva", "Total assets", "Summe Aktiva"),
    ("A", "AKT", "Fixed assets", "Anlagevermögen", "Total fixed assets", "Summe Anlagevermögen"),
    ("A.I", "A", "Intangible assets", "Immaterielle Vermögensgegenstände", "", ""),
    ("A.II", "A", "Tangible assets", "Sachanlagen", "", ""),
    ("A.III", "A", "Financial assets", "Finanzanlagen", "", ""),
    ("B", "AKT", "Current assets", "Umlaufvermögen", "Total current assets", "Summe Umlaufvermögen"),
    ("B.I", "B", "Inventories", "Vorräte", "", ""),
    ("B.II", "B", "Receivables and other assets", "Forderungen und sonstige Vermögensgegenstände", "", ""),
    ("B.III", "B", "Securities", "Wertpapiere", "", ""),
    ("B.IV", "B", "Cash and bank balances", "Kassenbestand, Guthaben bei Kreditinstituten", "", ""),
    ("C", "AKT", "Prepaid expenses", "Rechnungsabgrenzungsposten", "", ""),
    ("D", "AKT", "Deferred tax assets", "Aktive latente Steuern", "", ""),
    ("PAS", None, "Equity and liabilities", "Passiva", "Total equity and liabilities", "Summe Passiva"),
    ("P.A", "PAS", "Equity", "Eigenkapital", "Total equity", "Summe Eigenkapital"),
    ("P.A.I", "P.A", "Subscribed capital", "Gezeichnetes Kapital", "", ""),
    ("P.A.II", "P.A", "Capital reserve", "Kapitalrücklage", "", ""),
    ("P.A.III", "P.A", "Revenue reserves", "Gewinnrücklagen", "", ""),
    ("P.A.IV", "P.A", "Retained profits brought forward", "Gewinnvortrag/Verlustvortrag", "", ""),
    ("P.A.V", "P.A", "Net income for the year", "Jahresüberschuss/Jahresfehlbetrag", "", ""),
    ("P.A.VI", "P.A", "Non-controlling interests", "Nicht beherrschende Anteile", "", ""),
    ("P.L", "PAS", "Liabilities", "Schulden", "Total liabilities", "Summe Schulden"),
    ("P.B", "P.L", "Provisions", "Rückstellungen", "", ""),
    ("P.C", "P.L", "Liabilities to banks and others", "Verbindlichkeiten", "", ""),
    ("P.D", "P.L", "Deferred income", "Rechnungsabgrenzungsposten (passiv)", "", ""),
    ("P.E", "P.L", "Deferred tax liabilities", "Passive latente Steuern", "", ""),
    ("GUV", None, "Profit for the period", "Jahresüberschuss/Jahresfehlbetrag", "", ""),
    ("ERG", "GUV", "Result after taxes", "Ergebnis nach Steuern", "", ""),
    ("BE", "ERG", "Operating result", "Betriebsergebnis", "", ""),
    ("1", "BE", "Revenue", "Umsatzerlöse", "", ""),
    ("2", "BE", "Change in inventories", "Bestandsveränderungen", "", ""),
    ("3", "BE", "Own work capitalised", "Andere aktivierte Eigenleistungen", "", ""),
    ("4", "BE", "Other operating income", "Sonstige betriebliche Erträge", "", ""),
    ("5", "BE", "Cost of materials", "Materialaufwand", "", ""),
    ("6", "BE", "Personnel expenses", "Personalaufwand", "", ""),
    ("7", "BE", "Depreciation and amortisation", "Abschreibungen", "", ""),
    ("8", "BE", "Other operating expenses", "Sonstige betriebliche Aufwendungen", "", ""),
    ("FE", "ERG", "Financial result", "Finanzergebnis", "", ""),
    ("9", "FE", "Income from investments", "Erträge aus Beteiligungen", "", ""),
    ("11", "FE", "Interest and similar income", "Sonstige Zinsen und ähnliche Erträge", "", ""),
    ("13", "FE", "Interest and similar expenses", "Zinsen und ähnliche Aufwendungen", "", ""),
    ("14", "ERG", "Taxes on income", "Steuern vom Einkommen und vom Ertrag", "", ""),
    ("16", "GUV", "Other taxes", "Sonstige Steuern", "", ""),
]


#: Names charts often use for a line of the built-in layouts.
_IFRS_ALIASES = {
    "TR": ("Receivables", "Accounts receivable", "Trade receivables"),
    "TP": ("Payables", "Accounts payable", "Trade payables"),
    "CASH": ("Cash", "Bank", "Cash and bank"),
    "FR": ("Financial result", "Finance result", "Net finance costs"),
    "SC": ("Capital", "Issued capital"),
    "PPE": ("Fixed assets", "Tangible assets"),
    "INT": ("Goodwill", "Intangibles"),
    "NCI": ("Non-controlling interest", "NCI", "Minority interests"),
    "COS": ("Cost of goods sold", "COGS"),
    "ITX": ("Income tax", "Taxes on income", "Tax"),
}
_HGB_ALIASES = {
    "B.II": ("Forderungen", "Receivables"),
    "B.IV": ("Bank", "Kasse", "Cash"),
    "P.C": ("Payables", "Verbindlichkeiten aus Lieferungen und Leistungen"),
    "FE": ("Financial result",),
    "A.I": ("Goodwill", "Geschäfts- oder Firmenwert"),
    "P.A.VI": ("Non-controlling interest", "Minority interests", "Anteile anderer Gesellschafter"),
    "5": ("Cost of sales",),
}


def _built_in(name: str, rows, roots: tuple[str, str, str], by_type: dict[str, str], host: str, aliases) -> Layout:
    layout = Layout(name, {}, *roots, by_type=by_type, profit_host=host, cash_line="CASH" if name == "IFRS" else "B.IV")
    for i, (line, parent, label, label_de, total, total_de) in enumerate(rows):
        layout.add(Node(line, parent, float(i), 1, label, label_de, total, total_de, aliases.get(line, ())))
    return layout


def ifrs() -> Layout:
    by_type = {"Asset": "CA", "Liability": "CL", "Equity": "E", "Revenue": "OP", "Expense": "OP"}
    return _built_in("IFRS", _IFRS, ("A", "EL", "PL"), by_type, "RE", _IFRS_ALIASES)


def hgb() -> Layout:
    by_type = {"Asset": "B", "Liability": "P.L", "Equity": "P.A", "Revenue": "BE", "Expense": "BE"}
    return _built_in("HGB", _HGB, ("AKT", "PAS", "GUV"), by_type, "P.A.V", _HGB_ALIASES)


def custom(book: CloseBook) -> Layout:
    """The StatementLines sheet as a layout. A Parent no row has, or a parent chain that loops, makes
    the line a top line (validation does not need to stop the close for it: the line still shows)."""
    rows = book.statement_lines
    codes = {r.line for _, r in rows}
    layout = Layout("Custom", {}, "", "", "", by_type={}, profit_host="")
    parents: dict[str, str | None] = {}
    for _, r in rows:  # a Line listed twice: the first row counts
        parents.setdefault(r.line, r.parent if r.parent in codes and r.parent != r.line else None)
    for line in list(parents):  # break cycles: a line whose parent chain comes back to it is a top line
        seen, at = set(), parents[line]
        while at is not None and at not in seen and at != line:
            seen.add(at)
            at = parents[at]
        if at == line:
            parents[line] = None
    pending = [(i, r) for i, (_, r) in enumerate(rows) if r.line not in layout.nodes]
    while pending:
        rest = []
        for i, r in pending:
            if r.line in layout.nodes:
                continue
            parent = parents[r.line]
            if parent is not None and parent not in layout.nodes:
                rest.append((i, r))
                continue
            order = float(r.order) if r.order is not None else float(i)
            sign = -1 if r.sign == "-" else 1
            layout.add(Node(r.line, parent, order, sign, r.label or r.line, r.label_de or ""))
        if len(rest) == len(pending):
            break
        pending = rest
    return layout


def layout_of(book: CloseBook) -> Layout:
    settings = book.settings
    name = settings.statement_layout if settings else "IFRS"
    if name == "HGB":
        return hgb()
    if name == "Custom" and book.statement_lines:
        return custom(book)
    return ifrs()


def language_of(book: CloseBook) -> str:
    return book.settings.language if book.settings else "en"
