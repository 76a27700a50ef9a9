"""Build the synthetic sample corpus: two PDFs and a Windows-1252 memo in corpora/sample/.

Run `python corpora/tools/make_sample.py` to rebuild, `--check` to verify the checked-in files
against corpora/sample-expected.md with pypdfium2. The two HTML articles are hand-written files.
"""

# Longer than the house's ~300 lines: most of this file is the documents' prose, kept beside the
# layout code so that one script rebuilds the corpus byte for byte.

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

SAMPLE = Path(__file__).resolve().parents[1] / "sample"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# A fixed date keeps /CreationDate and the file /ID stable, so a rebuild gives identical bytes.
FIXED_DATE = datetime(2025, 11, 28, 9, 0, 0, tzinfo=UTC)
BANNER = (
    "SYNTHETIC SAMPLE written for the moneytrail project; not a real document; names of real "
    "sanctioned actors and real published addresses are used as public facts."
)

# Real addresses from OFAC's SDN list (sdn_advanced.xml issued 2025-11-19); the comment names the
# SDN profile that lists each one. Any flow of funds the documents describe between them is
# invented for the sample.
LAZARUS_RONIN = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"  # Lazarus Group, ETH
LAZARUS_2 = "0xa0e1c89Ef1a489c9C7dE96311eD5Ce5D32c20E4B"  # Lazarus Group, ETH
LAZARUS_3 = "0x53b6936513e738f44FB50d2b9476730C0Ab3Bfc1"  # Lazarus Group, ETH
CHEIL_TRON = "TA3941uFAvmVibSkQ6fMJXxmaSNovX86mz"  # Cheil Credit Bank, USDT on TRON
SIM_EVM = "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"  # Sim Hyon Sop, ETH/ARB/BSC
TIAN_BTC = "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak"  # Tian Yinyin, XBT
LI_P2SH = "39eboeqYNFe2VoLC3mUGx4dh6GNhLB3D2q"  # Li Jiadong, XBT
WU_BTC = "1986rYHckYbJpGQJy6ornuMyD2N5MTqwDt"  # Wu Huihui, XBT
CHEN_BECH32 = "bc1qeth6n6ryxexvkx34wnx3nuynun4474h3j0gkhw"  # Chen Zhi, XBT
CHEN_P2SH = "3EynPFpoGTPxU9m5bPaEDEUxUanzh7vgQP"  # Chen Zhi, XBT
FUNNULL_TRON = "TNmRfnSUXZoWWzxcDDbf95eGQYXt1mJDt8"  # Funnull Technology Inc, TRX
XMR_ADDR = (  # SOUTHFRONT, XMR
    "884Bz8UH63aYsjVdkfWfScRYWZGGNbjFL7pztqvWNSrtYT4reFSwyvkCj9KEGUtheHhhMUj87ciTBFyzoesrMJ4L1FvSoxL"
)
LTC_ADDR = "LaizKtS5DUhPuP1nTQcc83MS7HwK6vk85z"  # Zheng Guanghua, LTC
ZEC_ADDR = "t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy"  # Karasavidi Dmitrii, ZEC
BCH_ADDR = "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq"  # SOUTHFRONT, BCH (cashaddr)
DASH_ADDR = "XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2"  # Karasavidi Dmitrii, DASH
XRP_ADDR = "rnXyVQzgxZe7TR1EPzTkGj2jxH4LMJYh66"  # CHATEX, XRP
SOL_ADDR = "42RLPACwZPx3vYYmxSueqsogfynBDqXK298EDsNoyoHi"  # Sokolovski Rolan, SOL
BNB_ADDR = "bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23"  # Sokolovski Rolan, BNB
# Negatives: Wu Huihui's address with one character changed (its Base58Check checksum fails),
# a made-up transaction hash, and a truncated address.
WU_MISTYPED = "1986rYHckYbJpGQJyGornuMyD2N5MTqwDt"
TX_HASH = "5d3f0a6c9e1b47d28a0f6e93c4b1d7a2e85f0c3b96d4a1e7f20b8c5d9a3e6f41"
TRUNCATED = "0x098B716B8Aa..."

# ---------------------------------------------------------------------------------------------
# Layout: a small flow engine on top of fpdf2, so the generator knows (and --check can verify)
# exactly where lines and pages break.


@dataclass
class Word:
    """One unbreakable unit of a line: text plus an optional footnote marker glued to it."""

    text: str
    breakable: bool = False
    page_break: bool = False
    footnote: str | None = None


@dataclass
class Line:
    """A laid-out line: its words and whether a page break must follow it."""

    words: list[Word] = field(default_factory=list)
    page_break_after: bool = False


TOKEN = re.compile(r"<<(?P<addr>[^>|]+)(?P<pb>\|pb)?>>|\[\^(?P<fn>[^\]]+)\]|(?P<word>[^\s\[<]+)")


def tokenize(text: str) -> list[Word]:
    """Split paragraph markup into words; <<x>> may break mid-token, <<x|pb>> also breaks pages."""
    words: list[Word] = []
    for match in TOKEN.finditer(text):
        if match["fn"]:
            words[-1].footnote = match["fn"]
        elif match["addr"]:
            # Punctuation right after a breakable address is glued to it.
            words.append(Word(match["addr"], breakable=True, page_break=bool(match["pb"])))
        elif words and match.start() > 0 and text[match.start() - 1] not in " \n":
            words[-1].text += match["word"]
        else:
            words.append(Word(match["word"]))
    return words


class Sheet(FPDF):
    """An A4 or Letter page with running header/footer callbacks and bottom-of-page footnotes."""

    def __init__(
        self,
        serif: bool = True,
        header_cb: Callable[[Sheet], None] | None = None,
        footer_cb: Callable[[Sheet], None] | None = None,
        page_format: str = "A4",
    ) -> None:
        super().__init__(format=page_format, unit="mm")
        self.set_margins(22, 25, 22)
        self.set_auto_page_break(False)
        self.set_creation_date(FIXED_DATE)
        self.set_producer("moneytrail corpora/tools/make_sample.py")
        family = "DejaVuSerif" if serif else "DejaVuSans"
        for style, suffix in (("", ""), ("B", "-Bold"), ("I", "-Italic" if serif else "-Oblique")):
            self.add_font("Body", style, str(FONT_DIR / f"{family}{suffix}.ttf"))
        self.add_font("Mono", "", str(FONT_DIR / "DejaVuSansMono.ttf"))
        self.header_cb = header_cb
        self.footer_cb = footer_cb
        self.footnote_count = 0
        self.pending: list[tuple[int, str]] = []
        self.footnote_reserve = 0.0
        self.body_size = 11
        self.line_h = 5.6

    # fpdf2 calls these on every page break.
    def header(self) -> None:
        """Draw the running header and reset the page's footnote area."""
        self.pending = []
        self.footnote_reserve = 0.0
        if self.header_cb:
            self.header_cb(self)

    def footer(self) -> None:
        """Draw this page's footnotes, then the running footer."""
        if self.pending:
            y = self.h - 22 - self.footnote_reserve
            self.set_draw_color(0)
            self.line(self.l_margin, y, self.l_margin + 45, y)
            self.set_xy(self.l_margin, y + 1.5)
            for number, text in self.pending:
                self.set_font("Body", "", 8)
                self.set_x(self.l_margin)
                self.multi_cell(self.epw, 3.6, f"{number}  {text}", align="L")
        if self.footer_cb:
            self.footer_cb(self)

    @property
    def limit(self) -> float:
        """Return the lowest y the body may reach on this page."""
        return self.h - 26 - self.footnote_reserve

    def footnote_height(self, text: str) -> float:
        """Return the height a footnote will take at the bottom of the page."""
        self.set_font("Body", "", 8)
        lines = self.multi_cell(self.epw, 3.6, f"99  {text}", dry_run=True, output="LINES")
        assert isinstance(lines, list)  # output="LINES" returns the list of lines
        return len(lines) * 3.6 + (4.0 if not self.pending else 0.5)

    def word_width(self, word: Word) -> float:
        """Return a word's width in the body font, footnote marker included."""
        self.set_font("Body", "", self.body_size)
        width = self.get_string_width(word.text)
        if word.footnote:
            self.set_font("Body", "", 6.5)
            width += self.get_string_width("99")
        return width

    def layout(self, words: list[Word], width: float) -> list[Line]:
        """Break words into lines greedily; marked tokens may split where the line ends."""
        self.set_font("Body", "", self.body_size)
        space = self.get_string_width(" ")
        lines = [Line()]
        used = 0.0
        queue = list(words)
        while queue:
            word = queue.pop(0)
            gap = space if lines[-1].words else 0.0
            need = self.word_width(word)
            if used + gap + need <= width:
                lines[-1].words.append(word)
                used += gap + need
                continue
            if word.breakable:
                self.set_font("Body", "", self.body_size)
                cut = len(word.text)
                while cut > 0 and used + gap + self.get_string_width(word.text[:cut]) > width:
                    cut -= 1
                if cut >= 6:
                    head = Word(word.text[:cut])
                    tail = Word(word.text[cut:], footnote=word.footnote)
                    lines[-1].words.append(head)
                    lines[-1].page_break_after = word.page_break
                    lines.append(Line())
                    used = 0.0
                    queue.insert(0, tail)
                    continue
            lines.append(Line())
            used = 0.0
            queue.insert(0, Word(word.text, word.breakable, word.page_break, word.footnote))
        return lines

    def ensure(self, height: float) -> None:
        """Start a new page when `height` more millimetres would not fit above the footnotes."""
        if self.get_y() + height > self.limit:
            self.add_page()

    def heading(
        self, text: str, size: float = 11, style: str = "B", before: float = 3, align: str = "L"
    ) -> None:
        """Write a heading, kept with at least two following lines."""
        self.ensure(before + size * 0.5 + 2 * self.line_h)
        self.set_y(self.get_y() + before)
        self.set_font("Body", style, size)
        self.set_x(self.l_margin)
        self.multi_cell(self.epw, size * 0.5, text, align=align)
        self.set_y(self.get_y() + 1.5)

    def para(
        self, text: str, number: str | None = None, indent: float = 10, after: float = 2
    ) -> None:
        """Write one (optionally numbered) paragraph with footnotes and breakable addresses."""
        left = self.l_margin + (indent if number else 0)
        lines = self.layout(tokenize(text), self.l_margin + self.epw - left)
        for index, line in enumerate(lines):
            notes = [w.footnote for w in line.words if w.footnote]
            extra = sum(self.footnote_height(n) for n in notes)
            if self.get_y() + self.line_h > self.limit - extra:
                self.add_page()
            y = self.get_y()
            if number and index == 0:
                self.set_font("Body", "", self.body_size)
                self.set_xy(self.l_margin, y)
                self.cell(indent, self.line_h, number)
            self.set_xy(left, y)
            self.draw_line(line)
            self.set_xy(left, y + self.line_h)
            if line.page_break_after:
                # A forced break far above the bottom would look wrong; fail so the prose is tuned.
                if self.limit - self.get_y() > 2 * self.line_h:
                    raise ValueError(f"forced page break {self.limit - self.get_y():.0f} mm early")
                self.add_page()
        self.set_y(self.get_y() + after)

    def draw_line(self, line: Line) -> None:
        """Draw a line's words, footnote markers raised and small; register their footnotes."""
        text = ""
        for position, word in enumerate(line.words):
            text += ("" if position == 0 else " ") + word.text
            if word.footnote:
                self.flush(text)
                text = ""
                self.footnote_count += 1
                self.footnote_reserve += self.footnote_height(word.footnote)
                self.pending.append((self.footnote_count, word.footnote))
                x, y = self.get_x(), self.get_y()
                self.set_font("Body", "", 6.5)
                marker = str(self.footnote_count)
                self.set_xy(x, y - 1.4)
                self.cell(self.get_string_width(marker), 4, marker)
                self.set_xy(self.get_x(), y)
        self.flush(text)

    def flush(self, text: str) -> None:
        """Write a run of body text at the current position."""
        if text:
            self.set_font("Body", "", self.body_size)
            self.cell(self.get_string_width(text), self.line_h, text)

    def grid(self, widths: list[float], rows: list[list[str]], size: float = 9) -> None:
        """Draw a ruled table; a newline in a cell is a line break the author chose."""
        line_h = size * 0.45
        for row_index, row in enumerate(rows):
            style = "B" if row_index == 0 else ""
            self.set_font("Body", style, size)
            cells = [cell.split("\n") for cell in row]
            for cell, width in zip(cells, widths, strict=True):
                for part in cell:
                    if self.get_string_width(part) > width - 2.4:
                        raise ValueError(f"table cell line too wide: {part!r}")
            height = max(len(c) for c in cells) * line_h + 2.4
            self.ensure(height)
            x, y = self.l_margin, self.get_y()
            for cell, width in zip(cells, widths, strict=True):
                self.set_fill_color(230)
                self.rect(x, y, width, height, style="DF" if row_index == 0 else "D")
                for offset, part in enumerate(cell):
                    self.set_xy(x + 1.2, y + 1.2 + offset * line_h)
                    self.cell(width - 2.4, line_h, part)
                x += width
            self.set_xy(self.l_margin, y + height)
        self.set_y(self.get_y() + 3)

    def banner(self) -> None:
        """Write the boxed SYNTHETIC notice."""
        self.set_font("Body", "B", 8.5)
        self.set_x(self.l_margin)
        self.multi_cell(self.epw, 4.2, BANNER, border=1, align="L", padding=2)
        self.set_y(self.get_y() + 3)

    def save(self, path: Path) -> None:
        """Write the PDF with fixed metadata so rebuilds are byte-identical."""
        self.set_creator("moneytrail sample corpus (synthetic)")
        self.output(str(path))


# ---------------------------------------------------------------------------------------------
# Document 1: a Panel-of-Experts-style report excerpt. Symbol, job number and dates are invented.

UN_SYMBOL = "S/2099/123"
UN_JOB = "99-01234 (E)"


def un_header(pdf: Sheet) -> None:
    """Draw the UN running header: a masthead on page 1, the symbol on later pages."""
    if pdf.page_no() == 1:
        pdf.set_xy(pdf.l_margin, 14)
        pdf.set_font("Body", "B", 13)
        pdf.cell(80, 7, "United Nations")
        pdf.set_font("Body", "B", 16)
        pdf.cell(pdf.epw - 80, 7, UN_SYMBOL, align="R")
        pdf.set_xy(pdf.l_margin, 22)
        pdf.set_font("Body", "B", 17)
        pdf.cell(110, 9, "Security Council")
        pdf.set_font("Body", "", 9)
        pdf.set_xy(pdf.l_margin + 118, 22)
        pdf.multi_cell(pdf.epw - 118, 4, "Distr.: General\n2 March 2099\n\nOriginal: English")
        pdf.line(pdf.l_margin, 39, pdf.l_margin + pdf.epw, 39)
        pdf.set_y(43)
        return
    pdf.set_font("Body", "B", 9)
    pdf.set_xy(pdf.l_margin, 12)
    pdf.cell(pdf.epw, 5, UN_SYMBOL, align="R" if pdf.page_no() % 2 else "L")
    pdf.line(pdf.l_margin, 18, pdf.l_margin + pdf.epw, 18)
    pdf.set_y(25)


def un_footer(pdf: Sheet) -> None:
    """Draw the UN footer: job number, page n/N and a short synthetic notice."""
    pdf.set_font("Body", "", 8)
    pdf.set_xy(pdf.l_margin, pdf.h - 16)
    outer = f"{pdf.page_no()}/{{nb}}"
    if pdf.page_no() % 2:
        pdf.cell(pdf.epw / 2, 4, UN_JOB)
        pdf.cell(pdf.epw / 2, 4, outer, align="R")
    else:
        pdf.cell(pdf.epw / 2, 4, outer)
        pdf.cell(pdf.epw / 2, 4, UN_JOB, align="R")
    pdf.set_xy(pdf.l_margin, pdf.h - 12)
    pdf.set_font("Body", "I", 7)
    pdf.cell(pdf.epw, 4, "Synthetic sample (moneytrail) - not a United Nations document", align="C")


UN_PARAS: list[tuple[str, str]] = [
    (
        "H",
        "IV. Cyberactivities and the laundering of stolen virtual assets through gaming "
        "venues in South-East Asia",
    ),
    ("H2", "A. Overview"),
    (
        "P",
        "During the period under review the Democratic People's Republic of Korea "
        "(DPRK) continued to generate revenue through the theft of virtual assets. The "
        "Panel attributes the largest thefts to cyberactors subordinate to the "
        "Reconnaissance General Bureau (RGB), in particular the Lazarus Group, which "
        "Member States and industry also track as APT38, TraderTraitor and Hidden Cobra."
        "[^The designation of the Lazarus Group by the United States Department of the "
        "Treasury dates from September 2019; see also S/2098/211, paras. 57-61.]",
    ),
    (
        "P",
        "North Korea's cyberactors have shifted from attacks on banks towards decentralized "
        "finance platforms, cross-chain bridges and centralized exchanges. Proceeds are "
        "converted to stablecoins and Bitcoin, and are then moved into the regulated "
        "financial system with the help of over-the-counter brokers, underground banking "
        "networks and, increasingly, casinos and junket operators in South-East Asia.",
    ),
    (
        "P",
        "The Panel wrote to Cambodia, the Philippines, the Lao People's Democratic "
        "Republic, Thailand and Myanmar, and to the authorities of Macao, China, seeking "
        "information on the matters described in this section. At the time of writing, "
        "replies had been received from the Philippines and Thailand.",
    ),
    (
        "P",
        "The Panel based its findings on information from Member States, on public "
        "statements by national authorities, on analysis of public blockchain records and "
        "on interviews with former employees of junket operators. Where the Panel names "
        "an address, the address appears on a public sanctions list.",
    ),
    ("H2", "B. Thefts during the period under review"),
    (
        "P",
        "Table 4 lists thefts that the Federal Bureau of Investigation (FBI) of the "
        "United States has publicly attributed to DPRK cyberactors. The Panel has "
        "independently confirmed the attribution of each of them. In the largest case, "
        "the compromise of the Bybit exchange in February 2025, some US$1.5 billion in "
        "Ether and related tokens was stolen within minutes; the FBI attributed the "
        "theft to TraderTraitor on 26 February 2025.",
    ),
    ("T", ""),
    (
        "P",
        "In the case of the Ronin Network bridge, approximately $620 million was taken "
        "in March 2022. On 14 April 2022 the Office of Foreign Assets Control (OFAC) "
        "of the United States added the address " + LAZARUS_RONIN + ", which received "
        "the stolen funds, to the Lazarus Group's entry on its list of Specially "
        "Designated Nationals. A second address on the same entry, <<" + LAZARUS_2 + ">>, "
        "was used to send funds onward to Tornado Cash, a mixing service.",
    ),
    (
        "P",
        "The Panel also investigated a smaller theft from an exchange in a Member State "
        "that asked not to be named, in which between $5 million and $10 million in "
        "Tether (USDT) and Bitcoin was removed from hot wallets. The methods, including "
        "fake job offers sent to developers, matched those of TraderTraitor.",
    ),
    ("H2", "C. Laundering methods"),
    (
        "P",
        "Stolen Ether is typically swapped for Bitcoin through cross-chain bridges and "
        "decentralized exchanges, and the Bitcoin is then split across hundreds of "
        "addresses. Earlier laundering of this kind was carried out by Chinese nationals "
        "Tian Yinyin and Li Jiadong, designated by OFAC in March 2020 for laundering "
        "virtual currency stolen by the Lazarus Group. Addresses listed for them include "
        + TIAN_BTC
        + " and "
        + LI_P2SH
        + ".",
    ),
    (
        "P",
        "Over-the-counter traders remain essential to cashing out. OFAC designated Wu "
        "Huihui, an over-the-counter trader based in China, in April 2023, together with "
        "Sim Hyon Sop of the Korea Kwangson Banking Corporation. Addresses listed for "
        "them include " + WU_BTC + " and " + SIM_EVM + ". Traders of this kind quote "
        "commissions of 5 to 8 per cent and settle in cash, in Tether or in Bitcoin; one "
        "broker interviewed by the Panel described a single settlement of 1,000 BTC "
        "split across 40 deposits.",
    ),
    (
        "P",
        "Following the delisting of Tornado Cash by the United States in March 2025, the "
        "Panel observed renewed use of that service by DPRK cyberactors. Funds also "
        "moved through exchanges with weak controls; deposits traced to Binance were "
        "frozen by that exchange at the request of law enforcement."
        "[^Binance informed the Panel that the deposits were frozen within hours. A "
        "further Lazarus Group address, " + LAZARUS_3 + ", received part of the "
        "funds before they were frozen.]",
    ),
    (
        "P",
        "The laundering of the Bybit proceeds illustrates the speed of the process. "
        "Within ten days most of the stolen Ether had been exchanged for Bitcoin through "
        "THORChain, a cross-chain protocol, and dispersed across thousands of addresses. "
        "The Panel was told that over-the-counter brokers in China and Cambodia then "
        "bought the Bitcoin at a discount.",
    ),
    ("H2", "D. Scam compounds and information technology workers"),
    (
        "P",
        "Forced-labour scam compounds in Cambodia, Myanmar and the Lao PDR have become a "
        "second source of large virtual-asset flows through the same brokers. In October "
        "2025 OFAC designated Prince Group, a conglomerate based in Cambodia, as a "
        "transnational criminal organization, together with its chairman Chen Zhi; the "
        "United States Department of Justice filed a complaint seeking the forfeiture of "
        "127,271 BTC. Addresses listed for Chen Zhi include "
        + CHEN_BECH32
        + " and "
        + CHEN_P2SH
        + ".",
    ),
    (
        "P",
        "The Panel has not found evidence that DPRK cyberactors control scam compounds. "
        "It has, however, found that brokers who serve the compounds also serve DPRK "
        "clients, and that the two flows are combined in the same junket accounts.",
    ),
    (
        "P",
        "DPRK information technology workers abroad earn income that is settled in "
        "stablecoins. OFAC designated Kim Sang Man in May 2023 as the chief executive of a "
        "company that sends such workers to the Lao PDR and the Russian Federation. In "
        "Myanmar and Thailand, recruiters advertised remote work for developers with "
        "salaries of up to 2,000 USDT a month, a pattern the Panel has previously linked "
        "to workers from the DPRK.",
    ),
    ("H2", "E. Casinos and junket operators"),
    (
        "P",
        "Casinos and junket operators offer launderers large cash-intensive flows, "
        "cross-border credit and a ready explanation for sudden wealth. Junket operators "
        "extend credit to high-stakes players and settle balances across borders outside "
        "the banking system. Since the arrest in Macao in November 2021 of Alvin Chau, "
        "chief executive of Suncity Group, and his conviction in January 2023, much of "
        "the junket business that served mainland Chinese players has relocated to "
        "Cambodia, the Philippines, Laos and the special economic zones of Myanmar.",
    ),
    (
        "P",
        "Cambodian authorities regulate a large number of licensed casinos, among them "
        "NagaWorld in Phnom Penh. In the Philippines, integrated resorts such as Okada "
        "Manila operate alongside offshore gaming operators that the Government ordered "
        "closed in 2024. The Panel makes no allegation against NagaWorld or Okada Manila: "
        "both are named because intermediaries described below claimed to have "
        "relationships with VIP rooms in their premises, which the Panel could not "
        "confirm.",
    ),
    (
        "P",
        "Regulation has tightened in the traditional hubs. Macao, China, revised its "
        "gaming law in 2022 to limit each junket promoter to a single concessionaire. In "
        "the Philippines, the Philippine Amusement and Gaming Corporation (PAGCOR) both "
        "operates and licenses casinos. Cambodia adopted a law on commercial gambling in "
        "2020. Operators displaced by these measures have moved to less regulated zones.",
    ),
    (
        "P",
        "The Panel notes in particular the role of Huione Guarantee, a Telegram-based "
        "marketplace linked to the Cambodian conglomerate Huione Group. In 2025 the "
        "Financial Crimes Enforcement Network (FinCEN) of the United States found Huione "
        "Group to be of primary money laundering concern. Vendors on the marketplace "
        "offered to exchange USDT for cash in Phnom Penh, Bangkok and Manila within a "
        "day, and several advertised accounts at casinos and junkets.",
    ),
    (
        "P",
        "A former junket agent in Thailand told the Panel that Thai players settled "
        "their debts to Cambodian junkets in USDT because the tokens could be moved "
        "across the border faster than cash. The Panel notes that a junket that "
        "accepts such payments can mix them with the proceeds of thefts without any "
        "visible difference.",
    ),
    ("H2", "F. Case study: Golden Lotus Casino"),
    (
        "P",
        "The following case study is fictional and was written for this sample.[^The "
        "actors named in this case study other than OFAC-designated persons and "
        "entities are invented, as are the flows of funds between the addresses, which "
        "are real OFAC-listed addresses used for realism.] Golden Lotus Casino operates "
        "in a special economic zone in Bokeo Province of the Lao PDR, close to the "
        "borders with Thailand and Myanmar (Burma). Its VIP rooms are run by Mekong Star "
        "VIP Club, a junket operator whose managers previously worked for Suncity Group "
        "in Macau.",
    ),
    (
        "P",
        "Mekong Star VIP Club reported a rolling-chip turnover of HK$4.6 billion for "
        "2098, an amount out of proportion to the visible number of players. In the "
        "Philippines, an affiliated agent reported a turnover of \u20b12.1 billion from "
        "players introduced through online platforms.",
    ),
    (
        "P",
        "Chips bought with USDT deposits were played at minimal stakes and then redeemed; the "
        "junket paid out the balance by bank transfer to accounts in Cambodia and "
        "Thailand, presenting the funds as gaming winnings. Part of the balance returned "
        "to the DPRK through front companies in China.",
    ),
    (
        "P",
        "Bank statements reviewed by the Panel show payments totalling 48 million baht "
        "to accounts in Bangkok and 820 million riels to accounts in Phnom Penh between "
        "June and October 2098. Couriers also carried cash across the border into Viet Nam "
        "on behalf of the junket.",
    ),
    (
        "P",
        "The Panel further observed that the person the junket described as the "
        "beneficial owner of Apex Ridge Trading Ltd used an e-mail address previously "
        "associated with Park Jin Hyok, a North Korean programmer charged by the United "
        "States in 2018 and again in 2021 for his part in Lazarus Group operations.",
    ),
    (
        "P",
        "Golden Lotus Casino accepts deposits in USDT at a cashier desk in its VIP "
        "wing. Players receive chips at a fixed rate and may redeem them for cash in kip, "
        "baht or United States dollars, or for a bank transfer abroad. The desk does not "
        "record the address from which a deposit was sent, and staff are paid a commission "
        "on the volume of chips they sell.",
    ),
    (
        "P",
        "Mekong Star VIP Club advertised on Huione Guarantee and on other Telegram-based "
        'marketplaces, offering to accept "large deposits from any source" and to pay '
        "out through accounts in three countries. Two former employees told the Panel "
        "that the junket's largest clients never visited the casino.",
    ),
    (
        "P",
        "The Panel compared the timing of deposits with the movement of funds stolen by "
        "DPRK cyberactors. In at least four cases, USDT arrived at the junket within 48 "
        "hours of leaving addresses that had received stolen funds. In each case the "
        "deposit was split into amounts just below the casino's internal reporting threshold.",
    ),
    (
        "P",
        "The junket used a small number of deposit addresses for long periods and did not "
        "separate the funds of different clients. Once a deposit had been credited to a "
        "player account, the junket's own records were the only link between the source "
        "of the funds and the player who later withdrew them. Those records were kept on "
        "a messaging application and were deleted each month. The casino's compliance "
        "officer told the Panel that she had never been shown them.",
    ),
    (
        "P",
        "Between May and September 2098 the junket received 3.5 million USDT on the "
        "TRON network from addresses that OFAC lists for Cheil Credit Bank, also known "
        "as First Credit Bank, a bank of the Democratic People's Republic of Korea "
        "designated in 2017. The largest transfers came from <<" + CHEIL_TRON + "|pb>>, "
        "and were credited to player accounts held in the names of Apex Ridge Trading "
        "Ltd and two individuals.",
    ),
    (
        "P",
        "The Panel sent letters to the Lao PDR and to the junket operator. No reply had "
        "been received at the time of writing.",
    ),
    ("H2", "G. Recommendations"),
    (
        "P",
        "The Panel recommends that Member States require casinos and junket operators "
        "to screen deposits of virtual assets against the addresses published by OFAC "
        "and by other authorities, and to report to their financial intelligence unit "
        "any deposit traced to a sanctioned address.",
    ),
    (
        "P",
        "The Panel recommends that the Security Council Committee established pursuant "
        "to resolution 1718 (2006) (the 1718 Committee) consider designating Mekong Star "
        "VIP Club and Apex Ridge Trading Ltd.",
    ),
    (
        "P",
        "The Panel recommends that Member States hosting gaming hubs, in particular "
        "Cambodia, the Philippines, the Lao People's Democratic Republic and Myanmar, "
        "share information on junket operators with the Republic of Korea, Japan and the "
        "United States, whose agencies track DPRK cyberactors.",
    ),
]

UN_TABLE = [
    ["Date", "Victim", "Value stolen", "Attribution\n(FBI)", "Laundering route"],
    [
        "March 2022",
        "Ronin Network\nbridge",
        "approximately\n$620 million",
        "Lazarus Group,\nAPT38",
        "Tornado Cash,\nBitcoin mixers",
    ],
    [
        "June 2022",
        "Harmony Horizon\nbridge",
        "$100 million",
        "Lazarus Group,\nAPT38",
        "Railgun,\nbridges",
    ],
    [
        "September 2023",
        "Stake.com\n(online casino)",
        "$41 million",
        "Lazarus Group,\nAPT38",
        "Bridges, OTC\nbrokers",
    ],
    [
        "February 2025",
        "Bybit (exchange)",
        "US$1.5 billion",
        "TraderTraitor",
        "THORChain, OTC\nbrokers",
    ],
]


def build_un_report(path: Path) -> None:
    """Write the UN Panel-of-Experts-style report excerpt."""
    pdf = Sheet(serif=True, header_cb=un_header, footer_cb=un_footer)
    pdf.add_page()
    pdf.banner()
    pdf.set_font("Body", "B", 13)
    pdf.multi_cell(
        pdf.epw,
        6,
        "Letter dated 28 February 2099 from the Panel of Experts "
        "established pursuant to resolution 1874 (2009) addressed to the President "
        "of the Security Council",
        align="L",
    )
    pdf.set_y(pdf.get_y() + 3)
    pdf.para(
        "The Panel of Experts established pursuant to Security Council resolution 1874 "
        "(2009) has the honour to transmit herewith an excerpt of its final report. The "
        "excerpt reproduces section IV only.",
        after=4,
    )
    pdf.set_title(f"{UN_SYMBOL} Panel of Experts report, excerpt (SYNTHETIC SAMPLE)")
    number = 100
    for tag, text in UN_PARAS:
        if tag == "H":
            pdf.heading(text, size=12, before=4)
        elif tag == "H2":
            pdf.heading(text, size=10.5, before=2)
        elif tag == "T":
            pdf.ensure(60)
            pdf.set_font("Body", "B", 9.5)
            pdf.set_x(pdf.l_margin)
            pdf.cell(pdf.epw, 6, "Table 4", new_x="LMARGIN", new_y="NEXT")
            pdf.cell(
                pdf.epw,
                6,
                "Thefts of virtual assets publicly attributed to DPRK cyberactors",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.grid([30, 34, 29, 31, 42], UN_TABLE)
        else:
            number += 1
            pdf.para(text, number=f"{number}.")
    pdf.save(path)


# ---------------------------------------------------------------------------------------------
# Document 2: a complaint for forfeiture in rem. Court, case number, agents and flows are invented.

CASE_NO = "1:99-cv-01234"
FILED = "12/01/25"


def court_header(pdf: Sheet) -> None:
    """Draw the ECF stamp that courts print across the top of every filed page."""
    pdf.set_font("Body", "", 8.5)
    pdf.set_xy(pdf.l_margin, 9)
    pdf.cell(
        pdf.epw,
        4,
        f"Case {CASE_NO}    Document 1    Filed {FILED}    Page {pdf.page_no()} of {{nb}}",
        align="C",
    )
    pdf.set_y(24)


def court_footer(pdf: Sheet) -> None:
    """Draw the centred page number and the synthetic notice."""
    pdf.set_font("Body", "", 10)
    pdf.set_xy(pdf.l_margin, pdf.h - 17)
    pdf.cell(pdf.epw, 4, str(pdf.page_no()), align="C")
    pdf.set_font("Body", "I", 7)
    pdf.set_xy(pdf.l_margin, pdf.h - 12)
    pdf.cell(pdf.epw, 4, "Synthetic sample (moneytrail) - not a court filing", align="C")


def wrap(address: str, *cuts: int, hyphen: bool = False) -> str:
    """Break an address at the given offsets, as a narrow table cell would."""
    parts, last = [], 0
    for cut in (*cuts, len(address)):
        parts.append(address[last:cut])
        last = cut
    return ("-\n" if hyphen else "\n").join(parts)


COURT_TABLE = [
    ["No.", "Defendant address", "Network", "Approximate balance"],
    ["1", TIAN_BTC, "Bitcoin", "12.75 BTC"],
    ["2", WU_BTC, "Bitcoin", "3.1 BTC"],
    ["3", LI_P2SH, "Bitcoin", "0.84 BTC"],
    ["4", wrap(CHEN_BECH32, 24), "Bitcoin", "41.2 BTC"],
    ["5", wrap(LAZARUS_RONIN, 24), "Ethereum", "1,742.5 ETH"],
    ["6", wrap(SIM_EVM, 26), "Ethereum, Arbitrum,\nBNB Smart Chain", "250,000 USDC"],
    ["7", CHEIL_TRON, "TRON", "1,250,000 USDT"],
    ["8", wrap(XMR_ADDR, 36, 70, hyphen=True), "Monero", "310.6 XMR"],
    ["9", LTC_ADDR, "Litecoin", "1,905 LTC"],
    ["10", ZEC_ADDR, "Zcash", "2,480 ZEC"],
    ["11", wrap(BCH_ADDR, 25), "Bitcoin Cash", "96.3 BCH"],
    ["12", DASH_ADDR, "Dash", "515 DASH"],
    ["13", XRP_ADDR, "XRP Ledger", "48,000 XRP"],
    ["14", wrap(SOL_ADDR, 27), "Solana", "1,130 SOL"],
    ["15", wrap(BNB_ADDR, 26), "BNB Beacon Chain", "820 BNB"],
]

COURT_PARAS: list[tuple[str, str]] = [
    ("H", "NATURE OF THE ACTION"),
    (
        "P",
        "This is a civil action in rem to forfeit the virtual currency held at the fifteen "
        'addresses listed in Table 1 (the "Defendant Addresses"). The United States '
        "alleges that the funds are proceeds of computer intrusions committed by the "
        "Lazarus Group, a hacking organization controlled by the Reconnaissance General "
        'Bureau of the Democratic People\'s Republic of Korea ("North Korea" or "DPRK"), '
        "and property involved in the laundering of those proceeds through a network of "
        "casino junket accounts in Cambodia, the Philippines and Laos.",
    ),
    ("P", "The funds are subject to forfeiture under 18 U.S.C. \u00a7 981(a)(1)(A) and (C)."),
    ("H", "JURISDICTION AND VENUE"),
    (
        "P",
        "This Court has jurisdiction under 28 U.S.C. \u00a7\u00a7 1345 and 1355(a). Venue is "
        "proper in this district under 28 U.S.C. \u00a7 1355(b)(1)(A) and 1395 because acts "
        "giving rise to the forfeiture occurred here.",
    ),
    ("H", "THE DEFENDANT PROPERTY"),
    (
        "P",
        "The Defendant Addresses, the network on which each is used and the approximate "
        "balance of each at the time of seizure are listed in Table 1. Each Defendant "
        "Address appears on the List of Specially Designated Nationals and Blocked Persons "
        "maintained by the Office of Foreign Assets Control (OFAC) as of November 19, 2025. "
        "The combined balance was approximately $18.6 million at the time of seizure.",
    ),
    ("T", ""),
    (
        "P",
        "Where an address in Table 1 runs onto a second line, the line break was added "
        "for printing and is not part of the address.",
    ),
    ("H", "FACTS"),
    ("H2", "A. The Lazarus Group"),
    (
        "P",
        "On September 13, 2019, OFAC designated the Lazarus Group, also known as Hidden "
        "Cobra and APT38, as an agency, instrumentality or controlled entity of the "
        "Government of North Korea. Private-sector researchers also track the group's "
        "operations against virtual-currency companies under the name TraderTraitor.",
    ),
    (
        "P",
        "In 2018 the United States charged Park Jin Hyok, a North Korean national, with "
        "conspiracy to commit computer intrusions on behalf of the Lazarus Group.",
    ),
    ("H2", "B. The Ronin bridge theft"),
    (
        "P",
        "On or about March 23, 2022, the Lazarus Group stole 173,600 ETH and "
        "25.5 million USDC, worth approximately $620 million at the time, from the Ronin "
        "Network bridge. The stolen funds were first sent to Defendant Address 5.",
    ),
    (
        "P",
        "On April 14, 2022, the Federal Bureau of Investigation (FBI) publicly attributed "
        "the theft to the Lazarus Group and APT38, and OFAC added Defendant Address 5 to "
        "the Lazarus Group's entry. Between April and August 2022 the Lazarus Group sent "
        "more than 100,000 ETH from addresses that received the stolen funds to Tornado "
        "Cash, a virtual-currency mixer.",
    ),
    ("H2", "C. Laundering through the Junket Network"),
    (
        "P",
        "The following facts are fictional and were written for this sample. From 2023 "
        "onward, funds traceable to the theft passed through over-the-counter brokers to "
        "deposit accounts controlled by a junket operator doing business as Mekong Star "
        'VIP Club (the "Junket Network"), which ran VIP rooms at Golden Lotus Casino in '
        "the Lao PDR and sponsored players at casinos in Cambodia and the Philippines.",
    ),
    (
        "P",
        'FBI Special Agent Casey Sample ("the Agent") traced the funds using public '
        "blockchain records. Funds that left Defendant Address 5 were exchanged for "
        "Bitcoin and reached Defendant Addresses 1 to 4 through intermediate addresses, "
        "including one beginning " + TRUNCATED + " in a screenshot recovered from a "
        "broker's telephone; the screenshot shows only the first characters of that "
        "address.",
    ),
    (
        "P",
        "A ledger seized from the Junket Network, produced as Exhibit 3, records a "
        "payment to the address " + WU_MISTYPED + ", as transcribed in the exhibit. No "
        "such address exists: the entry differs by one character from Defendant Address "
        "2, to which the payment was in fact made.",
    ),
    (
        "P",
        "On June 2, 2023, 12.5 BTC moved from Defendant Address 1 to Defendant Address 3 "
        "in the Bitcoin transaction with hash " + TX_HASH + ".",
    ),
    (
        "P",
        "Between May and September 2023, the Junket Network received 3.5 million USDT on "
        "the TRON network, of which 1,250,000 USDT remained at Defendant Address 7 at "
        "seizure. Junket employees converted the balance to cash in Phnom Penh and "
        "Manila, where it was paid out to players as winnings of \u20b12.1 billion and "
        "$2,350,000 respectively.",
    ),
    (
        "P",
        "The Agent found no legitimate source for the funds at the Defendant Addresses. "
        "None of the players credited with winnings had played at stakes that would "
        "explain them.",
    ),
    ("H", "CLAIM FOR RELIEF"),
    (
        "P",
        "The United States incorporates the preceding paragraphs. The Defendant "
        "Addresses and all funds held at them are property constituting or derived from "
        "proceeds traceable to violations of 18 U.S.C. \u00a7 1030 and property involved in "
        "transactions in violation of 18 U.S.C. \u00a7 1956, and are subject to "
        "forfeiture.",
    ),
    ("H", "PRAYER FOR RELIEF"),
    (
        "P",
        "The United States asks that the Court issue a warrant of arrest in rem for the "
        "Defendant Addresses; that notice be given to all persons who may claim an "
        "interest; that judgment of forfeiture be entered in favour of the United States; "
        "and that the Court grant such other relief as is just.",
    ),
]


def court_caption(pdf: Sheet) -> None:
    """Write the court name, the parties' caption block and the document title."""
    pdf.set_font("Body", "B", 12)
    pdf.multi_cell(
        pdf.epw, 6, "UNITED STATES DISTRICT COURT\nFOR THE DISTRICT OF COLUMBIA", align="C"
    )
    pdf.set_y(pdf.get_y() + 5)
    top = pdf.get_y()
    pdf.set_font("Body", "", 10.5)
    pdf.multi_cell(
        95,
        5.4,
        "UNITED STATES OF AMERICA,\n\n        Plaintiff,\n\n        v.\n\n"
        "FIFTEEN VIRTUAL CURRENCY ADDRESSES LISTED IN TABLE 1, AND ALL FUNDS HELD "
        "THEREIN,\n\n        Defendants in rem.",
        align="L",
    )
    bottom = pdf.get_y()
    pdf.line(pdf.l_margin + 97, top, pdf.l_margin + 97, bottom)
    pdf.line(pdf.l_margin, bottom + 1, pdf.l_margin + 97, bottom + 1)
    pdf.set_xy(pdf.l_margin + 103, top + 14)
    pdf.multi_cell(pdf.epw - 103, 5.4, f"Case No. {CASE_NO}", align="L")
    pdf.set_y(bottom + 8)
    pdf.set_font("Body", "B", 11.5)
    pdf.multi_cell(pdf.epw, 6, "VERIFIED COMPLAINT FOR FORFEITURE IN REM", align="C")
    pdf.set_y(pdf.get_y() + 3)
    pdf.para(
        "Plaintiff, the United States of America, by its attorney, the United States "
        "Attorney for the District of Columbia, brings this verified complaint for "
        "forfeiture in rem and alleges as follows."
    )


def court_signature(pdf: Sheet) -> None:
    """Write the date, the (fictional) signature block and the verification."""
    pdf.ensure(60)
    pdf.para("Dated: December 1, 2025, Washington, D.C.", after=4)
    pdf.set_font("Body", "", pdf.body_size)
    pdf.set_x(pdf.l_margin + 85)
    pdf.multi_cell(
        pdf.epw - 85,
        5.6,
        "Respectfully submitted,\n\n/s/ Jordan A. Example\n"
        "JORDAN A. EXAMPLE\nAssistant United States Attorney\n"
        "(fictional signatory)",
        align="L",
    )
    pdf.set_y(pdf.get_y() + 6)
    pdf.heading("VERIFICATION", size=11, align="C")
    pdf.para(
        "I, Casey Sample, a Special Agent of the Federal Bureau of Investigation, declare "
        "under penalty of perjury that the facts in this complaint are true to the best "
        "of my knowledge and belief."
    )


def build_court_filing(path: Path) -> None:
    """Write the complaint for forfeiture in rem with its address table."""
    pdf = Sheet(serif=True, header_cb=court_header, footer_cb=court_footer, page_format="Letter")
    pdf.set_margins(25, 24, 25)
    pdf.line_h = 7.2
    pdf.set_title(
        f"Verified Complaint for Forfeiture In Rem, Case No. {CASE_NO} (SYNTHETIC SAMPLE)"
    )
    pdf.add_page()
    pdf.banner()
    court_caption(pdf)
    number = 0
    for tag, text in COURT_PARAS:
        if tag == "H":
            pdf.heading(text, size=11, before=3, align="C")
        elif tag == "H2":
            pdf.heading(text, size=11, style="I", before=1)
        elif tag == "T":
            pdf.ensure(40)
            pdf.set_font("Body", "B", 10)
            pdf.cell(
                pdf.epw, 7, "Table 1: Defendant Addresses", align="C", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.grid([10, 75, 37, pdf.epw - 122], COURT_TABLE, size=8.5)
        else:
            number += 1
            pdf.para(text, number=f"{number}.", indent=12)
    court_signature(pdf)
    pdf.save(path)


# ---------------------------------------------------------------------------------------------
# Document 3: an analyst's memo, saved as Windows-1252 with CRLF line ends like a Windows editor.

WANG_TRON_FILED_AS_XBT = "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"  # OFAC files it under XBT

MEMO = f"""\
MEMORANDUM (SYNTHETIC SAMPLE)

SYNTHETIC SAMPLE written for the moneytrail project; not a real document; names of
real sanctioned actors and real published addresses are used as public facts.

To:      File 2098-17 (fictional)
From:    A. Analyst, financial intelligence unit (fictional)
Date:    21 November 2025
Subject: Golden Lotus Casino \u2013 follow-up on USDT deposits

1. What we know
Mekong Star VIP Club\u2019s cashier desk at Golden Lotus Casino (Bokeo, Lao PDR) took
USDT deposits from {FUNNULL_TRON}, an address OFAC lists for Funnull
Technology Inc., the Philippines-based company sanctioned in May 2025 for hosting
scam websites. The flow itself is invented for this sample.

2. Cash-out
The junket\u2019s agent in Phnom Penh paid out 410 million riels in cash over three
weeks, and a courier carried 2.5 million baht across the border into Thailand.
A further \u20ac40,000 was wired to a caf\u00e9 owner in Sihanoukville \u2013 the
\u201cCaf\u00e9 Lumi\u00e8re\u201d account we flagged in August.

3. Open questions
- Is the Huione Guarantee vendor \u201cLotusPay\u201d the same na\u00efve front we saw in
  the Cambodian case, or a copycat?
- Any Lazarus Group link? Nothing direct yet. The Panel\u2019s excerpt (S/2099/123)
  ties the junket to DPRK funds, but our deposits trace to scam proceeds only.
- OFAC files {WANG_TRON_FILED_AS_XBT} under XBT, but it is a TRON address;
  our screening tool missed it for that reason. Re-run the screening.

Next step: ask the Thai FIU for the courier\u2019s bank records; his r\u00e9sum\u00e9 is attached.
"""


def write_memo(path: Path) -> None:
    """Write the memo in Windows-1252 with CRLF line endings."""
    path.write_bytes(MEMO.replace("\n", "\r\n").encode("cp1252"))


# ---------------------------------------------------------------------------------------------
# Checks: rebuild into a temporary folder and compare bytes; read every sample back and confirm
# each row of sample-expected.md against the extracted text.


def pdf_pages(path: Path) -> tuple[list[str], str]:
    """Return each page's text as pypdfium2 extracts it, and the PDF's /Title."""
    import pypdfium2 as pdfium  # only the check needs it

    document = pdfium.PdfDocument(str(path))
    try:
        pages = [document[i].get_textpage().get_text_bounded() for i in range(len(document))]
        return pages, str(document.get_metadata_dict().get("Title", ""))
    finally:
        document.close()


def html_text(path: Path) -> tuple[str, str, str]:
    """Return an article's main text (headline, standfirst, body), all its text and headline."""
    from lxml import html as lxml_html  # only the check needs it

    tree = lxml_html.fromstring(path.read_bytes())
    for bad in tree.xpath("//script|//style"):
        bad.getparent().remove(bad)
    main = tree.xpath(
        "//article//h1 | //article//*[contains(@class, 'standfirst')]"
        " | //*[@itemprop='articleBody'] | //*[contains(@class, 'post-content')]"
    )
    headline = " ".join(tree.xpath("//article//h1")[0].text_content().split())
    return " \n".join(part.text_content() for part in main), tree.text_content(), headline


def flatten(text: str) -> str:
    """Join wrapped text: drop soft-hyphen markers, collapse whitespace to single spaces."""
    text = text.replace("\x02", "").replace("\ufffe", "").replace("\xad", "")
    return re.sub(r"\s+", " ", text)


def parse_expected(path: Path) -> dict[str, list[dict[str, str]]]:
    """Read EXPECTED.md into {file name: rows}; a row maps its table's column names to cells."""
    files: dict[str, list[dict[str, str]]] = {}
    current: list[dict[str, str]] | None = None
    columns: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("### "):
            current = files.setdefault(raw[4:].strip().strip("`"), [])
        if not raw.startswith("|"):
            columns = []
        elif current is not None and not set(raw) <= set("|-: "):
            cells = [c.strip() for c in raw.strip().strip("|").split("|")]
            if columns:
                current.append(dict(zip(columns, cells, strict=True)))
            else:
                columns = cells
    return files


def count_masked(text: str, surfaces: list[str], wallets: set[str]) -> dict[str, int]:
    """Count each surface, longest first, masking matches so nested surfaces are not recounted.

    A wallet may be broken by one space (a flattened line break) between any two characters,
    and is matched without word boundaries because extraction can glue it to the next cell.
    """
    counts: dict[str, int] = {}
    for surface in sorted(set(surfaces), key=len, reverse=True):
        if surface in wallets:
            pattern = wallet_pattern(surface)
        else:
            pattern = re.compile(r"(?<![\w$])" + re.escape(surface) + r"(?!\w)")
        counts[surface] = len(pattern.findall(text))
        text = pattern.sub(lambda m: "\0" * len(m.group()), text)
    return counts


def check_file(name: str, rows: list[dict[str, str]]) -> list[str]:
    """Return the problems found when comparing one sample file with its EXPECTED rows."""
    path, problems = SAMPLE / name, []
    everything, title = "", ""
    if name.endswith(".pdf"):
        pages, title = pdf_pages(path)
        body = flatten(" ".join(pages))
    elif name.endswith(".html"):
        main, everything, title = html_text(path)
        pages, body = [main], flatten(main)
    else:
        pages = [path.read_bytes().decode("cp1252")]
        body = flatten(pages[0])
    meta = {row["field"]: row["value"] for row in rows if "field" in row}
    if "pages" in meta and int(meta["pages"]) != len(pages):
        problems.append(f"{name}: {len(pages)} pages, expected {meta['pages']}")
    if "title" in meta and meta["title"] != title:
        problems.append(f"{name}: title {title!r}, expected {meta['title']!r}")
    entities = [row for row in rows if "type" in row]
    wallets = {row["surface"].strip("`") for row in entities if row["type"] == "wallet"}
    counts = count_masked(body, [row["surface"].strip("`") for row in entities], wallets)
    for row in entities:
        surface = row["surface"].strip("`")
        if row["type"] == "boilerplate":
            if surface in body or surface not in flatten(everything):
                problems.append(f"{name}: boilerplate {surface!r} misplaced")
        elif row["count"] != "-":
            # An address split by a page break has running headers between its halves.
            found = counts[surface] + ("page break" in row["notes"])
            if found != int(row["count"]):
                problems.append(f"{name}: {surface!r} found {found} times, expected {row['count']}")
        if row["type"] == "wallet" and name.endswith(".pdf"):
            problems += check_wallet_pages(name, surface, row, pages)
    return problems


def wallet_pattern(address: str) -> re.Pattern[str]:
    """Match an address that a flattened line break may have split with one space."""
    return re.compile(" ?".join(re.escape(char) for char in address))


def crossing_page(address: str, pages: list[str]) -> int | None:
    """Return the page on which an address starts when its tail opens the next page's body."""
    for index in range(len(pages) - 1):
        ending = pages[index].rstrip().splitlines()
        for cut in range(6, len(address) - 5):
            head, tail = address[:cut], address[cut:]
            # The head ends the page's last body line; running footer lines follow it.
            if any(line.rstrip().endswith(head) for line in ending[-4:]) and any(
                line.startswith(tail) for line in pages[index + 1].splitlines()[:4]
            ):
                return index + 1
    return None


def check_wallet_pages(name: str, address: str, row: dict[str, str], pages: list[str]) -> list[str]:
    """Check the page a PDF address starts on and that wrapped ones really are broken."""
    problems = []
    pattern = wallet_pattern(address)
    found = {i + 1 for i, text in enumerate(pages) if pattern.search(flatten(text))}
    crossing = crossing_page(address, pages)
    if "page break" in row["notes"]:
        if crossing is None:
            problems.append(f"{name}: {address} does not cross a page break")
        else:
            found.add(crossing)
    want = sorted(int(p) for p in row["pages"].split(","))
    if sorted(found) != want:
        problems.append(f"{name}: {address} starts on pages {sorted(found)}, expected {want}")
    unbroken = address in "".join(pages)
    if ("wrapped" in row["notes"] or "page break" in row["notes"]) == unbroken:
        problems.append(
            f"{name}: {address} extracts {'un' if unbroken else ''}broken, contrary to its notes"
        )
    return problems


def build(target: Path) -> None:
    """Write the generated samples into `target`."""
    if not (FONT_DIR / "DejaVuSerif.ttf").exists():
        # The PDFs embed DejaVu for the peso sign; another font would change every byte.
        raise FileNotFoundError(f"DejaVu fonts not found in {FONT_DIR} (apt: fonts-dejavu-core)")
    build_un_report(target / "un-panel-report-excerpt.pdf")
    build_court_filing(target / "court-filing-forfeiture.pdf")
    write_memo(target / "analyst-notes.txt")


def check() -> int:
    """Rebuild into a temporary folder, compare bytes, then verify sample-expected.md; return problems."""  # noqa: E501
    import tempfile

    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        for made in sorted(Path(tmp).iterdir()):
            if made.read_bytes() != (SAMPLE / made.name).read_bytes():
                problems.append(f"{made.name}: rebuild differs from the checked-in file")
    for name, rows in parse_expected(SAMPLE.parent / "sample-expected.md").items():
        problems += check_file(name, rows)
    for problem in problems:
        sys.stderr.write(problem + "\n")
    return len(problems)


def main() -> int:
    """Build the samples, or verify them with --check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    args = parser.parse_args()
    if args.check:
        return 1 if check() else 0
    build(SAMPLE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
