"""Read the dashboard tables back out of a page's HTML (the shared table partial)."""

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: dict[str, list[str]] = {}
        self.headline: dict[str, str] = {}
        self._figure = None  # id of the figure.dashboard-table we are in
        self._row = None
        self._cell = None
        self._headline_key = None
        self._in_figure_span = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "dashboard-table" in (attrs.get("class") or ""):
            self._figure = attrs["id"].removeprefix("table-")
            self.tables[self._figure] = []
            self.links[self._figure] = []
        elif self._figure and tag == "tr":
            self._row = []
        elif self._figure and self._row is not None and tag in ("th", "td"):
            self._cell = ""
        elif self._figure and self._row is not None and tag == "a" and attrs.get("href"):
            self.links[self._figure].append(attrs["href"])
        elif tag == "li" and attrs.get("data-key") and self._figure is None:
            self._headline_key = attrs["data-key"]
        elif tag == "span" and self._headline_key and attrs.get("class") == "figure":
            self._in_figure_span = True
            self.headline[self._headline_key] = ""

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._figure].append(self._row)
            self._row = None
        elif tag == "figure":
            self._figure = None
        elif tag == "span" and self._in_figure_span:
            self._in_figure_span = False
        elif tag == "li":
            self._headline_key = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in_figure_span and self._headline_key:
            self.headline[self._headline_key] += data


def read_page(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


def row(table: list[list[str]], label: str) -> list[str]:
    return next(line for line in table if line and line[0] == label)
