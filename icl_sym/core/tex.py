"""LaTeX that compiles: ASCII-only text and math, the preamble it needs, and a structural linter.

Everything icl-sym writes as LaTeX goes through :func:`tex_text` (prose, possibly with
``$...$`` inline math) or :func:`tex_math` (math-mode source such as SymPy's LaTeX). Both
return pure ASCII: Unicode letters and symbols become macros (``λ`` is ``\\lambda``, ``ℓ``
is ``\\ell``, ``→`` is ``\\to``), and in prose the characters LaTeX reserves (``_ ^ & % #``
...) are escaped. A fragment so produced compiles with ``pdflatex`` inside
``\\documentclass{article}`` followed by :data:`LATEX_PREAMBLE`;
:func:`latex_document` wraps one into that complete document.

:func:`lint_latex` checks the structure of a LaTeX source without a TeX engine (balanced
groups and environments, no non-ASCII character, no ``^`` or ``_`` outside math); the tests
run it on every export, and compile the exports too where ``pdflatex`` is installed.

>>> print(tex_text("e_ICL → 1: ε ≈ τλ/(τ−1), 100%"))
e\\_ICL $\\to$ 1: $\\varepsilon$ $\\approx$ $\\tau \\lambda$/($\\tau -$1), 100\\%
>>> print(tex_math("x_ℓ + λ²"))
x_\\ell  + \\lambda ^{2}
>>> lint_latex("\\\\[ x^2 \\\\]  a_b")
['line 1: _ outside math']
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["LATEX_PREAMBLE", "DOCUMENT_CLASS", "tex_text", "tex_math", "tex_to_text", "latex_document", "lint_latex",
           "UnicodeToLatexError"]

#: The document class the fragments are written for (sectioning commands such as ``\section*``).
DOCUMENT_CLASS = r"\documentclass{article}"

#: What a LaTeX fragment exported by icl-sym needs after :data:`DOCUMENT_CLASS`: AMS math
#: (``aligned``, ``matrix``, ``\operatorname``) and AMS symbols (``\mathbb``).
LATEX_PREAMBLE = "\\usepackage{amsmath}\n\\usepackage{amssymb}\n"


class UnicodeToLatexError(ValueError):
    """A non-ASCII character that has no LaTeX spelling here (add it to the tables of this module)."""


# --- Unicode -> LaTeX ---------------------------------------------------------------------------------------------
_GREEK_MACRO_NAMES = {
    "alpha", "beta", "gamma", "delta", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu",
    "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
}
_GREEK_CAPITALS_WITH_MACROS = {"gamma", "delta", "theta", "lambda", "xi", "pi", "sigma", "upsilon", "phi", "psi",
                               "omega"}


def _greek_macro(char: str) -> str | None:
    """``\\lambda`` for ``λ``, ``\\Gamma`` for ``Γ``, ``\\mathrm{A}`` for a capital alpha; None if not Greek."""
    name = unicodedata.name(char, "")
    match = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (\w+)", name)
    if not match:
        return None
    letter = match.group(2).lower().replace("lamda", "lambda")
    if letter == "epsilon":
        letter = "varepsilon" if match.group(1) == "SMALL" else "epsilon"
    if letter == "final sigma":
        letter = "varsigma"
    if match.group(1) == "SMALL":
        if letter == "omicron":
            return "o"
        return "\\" + letter if letter in _GREEK_MACRO_NAMES | {"varepsilon", "varsigma"} else None
    if letter in _GREEK_CAPITALS_WITH_MACROS:
        return "\\" + letter.capitalize()
    latin = {"alpha": "A", "beta": "B", "epsilon": "E", "zeta": "Z", "eta": "H", "iota": "I", "kappa": "K",
             "mu": "M", "nu": "N", "omicron": "O", "rho": "P", "tau": "T", "chi": "X"}.get(letter)
    return f"\\mathrm{{{latin}}}" if latin else None


#: Math-mode spellings of symbols (Greek letters are handled by :func:`_greek_macro`).
_MATH_SYMBOLS = {
    "ϵ": r"\epsilon", "ϕ": r"\phi", "φ": r"\varphi", "ϑ": r"\vartheta", "ϱ": r"\varrho",
    "ℓ": r"\ell", "∞": r"\infty", "∂": r"\partial", "∇": r"\nabla", "∅": r"\emptyset",
    "→": r"\to", "←": r"\leftarrow", "↦": r"\mapsto", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow",
    "↑": r"\uparrow", "↓": r"\downarrow",
    "≈": r"\approx", "≥": r"\geq", "≤": r"\leq", "≠": r"\neq", "≡": r"\equiv", "∝": r"\propto", "∼": r"\sim",
    "≪": r"\ll", "≫": r"\gg", "≔": r":=",
    "−": "-", "×": r"\times", "·": r"\cdot", "⋅": r"\cdot", "±": r"\pm", "∓": r"\mp", "÷": r"\div",
    "∈": r"\in", "∉": r"\notin", "⊂": r"\subset", "⊆": r"\subseteq", "∪": r"\cup", "∩": r"\cap",
    "∀": r"\forall", "∃": r"\exists", "∑": r"\sum", "∏": r"\prod", "∫": r"\int", "√": r"\surd",
    "‖": r"\|", "⟨": r"\langle", "⟩": r"\rangle", "∘": r"\circ", "⊗": r"\otimes", "⊕": r"\oplus",
    "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℂ": r"\mathbb{C}", "𝔼": r"\mathbb{E}",
    "§": r"\S", "¶": r"\P",  # math forms: the text forms need the TS1 font encoding
    "′": "'", "½": r"\tfrac{1}{2}", "…": r"\ldots", "⋯": r"\cdots", "°": r"^{\circ}",
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀ", "0123456789+-=()niT"))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓᵢⱼₖₗₘₙₚₛₜ", "0123456789+-=()aeoxijklmnpst"))

#: Text-mode spellings of typographic characters (everything else non-ASCII goes to math).
_TEXT_SYMBOLS = {
    "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
    "…": r"\ldots{}", "\u00a0": "~", "•": r"$\bullet$",
}
_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0327": "c", "\u030c": "v",
            "\u0304": "="}

#: Characters LaTeX reserves in text, and their escapes.
_TEXT_ESCAPES = {
    "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
    # ^ and ~ as accents over nothing: their text-mode glyphs would need the TS1 font encoding.
    "^": r"\^{}", "~": r"\~{}",
}
#: ASCII characters that OT1 text fonts lack (they print as other glyphs): set as math.
_TEXT_AS_MATH = {"<": "<", ">": ">", "|": "|", "\\": r"\backslash"}


def _unknown(char: str) -> UnicodeToLatexError:
    return UnicodeToLatexError(
        f"no LaTeX spelling for {char!r} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}); "
        "add it to icl_sym.core.tex")


def _math_piece(char: str) -> str | None:
    """The math-mode LaTeX of one non-ASCII character, or None."""
    if char in _MATH_SYMBOLS:
        return _MATH_SYMBOLS[char]
    if char in _SUPERSCRIPTS:
        return "^{" + _SUPERSCRIPTS[char] + "}"
    if char in _SUBSCRIPTS:
        return "_{" + _SUBSCRIPTS[char] + "}"
    return _greek_macro(char)


def _merge_scripts(pieces: list[str]) -> str:
    """Join math pieces; runs of ``^{..}`` (or ``_{..}``) merge into one group (``x²³`` is ``x^{23}``)."""
    out: list[str] = []
    for piece in pieces:
        if out and piece[:2] in ("^{", "_{") and out[-1][:2] == piece[:2] and out[-1].endswith("}"):
            out[-1] = out[-1][:-1] + piece[2:]
        else:
            out.append(piece)
    return "".join(out)


#: Combining accents (a letter followed by U+0302 is that letter with a hat) in math mode.
_MATH_ACCENTS = {"\u0302": "hat", "\u0303": "tilde", "\u0304": "bar", "\u0305": "bar", "\u0307": "dot",
                 "\u0308": "ddot", "\u20d7": "vec"}


def _accented(pieces: list[str], char: str) -> bool:
    """Put the combining accent ``char`` on the last math piece (True if it is one that math knows)."""
    if char not in _MATH_ACCENTS or not pieces or not pieces[-1].strip():
        return False
    pieces[-1] = f"\\{_MATH_ACCENTS[char]}{{{pieces[-1].strip()}}}"
    return True


def tex_math(source: str) -> str:
    """Math-mode LaTeX ``source`` with every non-ASCII character spelled as a macro."""
    pieces: list[str] = []
    for char in source:
        if ord(char) < 128:
            pieces.append(char)
            continue
        if _accented(pieces, char):
            continue
        piece = _math_piece(char)
        if piece is None:
            raise _unknown(char)
        # A macro ending in a letter must not run into the next letter (\lambdax).
        pieces.append(piece + " " if re.search(r"\\[A-Za-z]+$", piece) else piece)
    return _merge_scripts(pieces)


def _text_piece(char: str) -> tuple[str, str]:
    """``("text", latex)`` or ``("math", latex)`` for one character of prose."""
    if char in _TEXT_ESCAPES:
        return "text", _TEXT_ESCAPES[char]
    if char in _TEXT_AS_MATH:
        return "math", _TEXT_AS_MATH[char]
    if ord(char) < 128:
        return "text", char
    if char in _TEXT_SYMBOLS:
        return "text", _TEXT_SYMBOLS[char]
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) == 2 and ord(decomposed[0]) < 128 and decomposed[1] in _ACCENTS:
        return "text", f"\\{_ACCENTS[decomposed[1]]}{{{decomposed[0]}}}"
    piece = _math_piece(char)
    if piece is None:
        raise _unknown(char)
    return "math", piece


def _prose(text: str) -> str:
    """Prose without inline math: escapes, and ``$...$`` around runs of math characters."""
    out: list[str] = []
    math_run: list[str] = []

    def flush() -> None:
        if math_run:
            pieces = [p + " " if re.search(r"\\[A-Za-z]+$", p) and i < len(math_run) - 1 else p
                      for i, p in enumerate(math_run)]
            out.append("$" + _merge_scripts(pieces) + "$")
            math_run.clear()

    for char in text:
        if unicodedata.combining(char):
            if math_run and _accented(math_run, char):  # Σ̂: an accented math letter
                continue
            if out and out[-1].isascii() and out[-1].isalpha() and char in _ACCENTS:  # a text letter
                letter = out.pop()
                out.append(f"\\{_ACCENTS[char]}{{{letter}}}")
                continue
            raise _unknown(char)
        kind, piece = _text_piece(char)
        if kind == "math":
            math_run.append(piece)
        else:
            flush()
            out.append(piece)
    flush()
    return "".join(out)


def tex_text(text: str) -> str:
    """Prose (with ``$...$`` inline math, as justifications are written) as ASCII LaTeX for text mode."""
    parts = text.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced $ in text: {text!r}")
    return "$".join(tex_math(part) if i % 2 else _prose(part) for i, part in enumerate(parts))


# --- LaTeX -> readable text (terminals) ----------------------------------------------------------------------------
#: Macro name -> character, the inverse of the tables above (``\\le`` and friends added).
_MACRO_TEXT = {
    **{m.lstrip("\\"): c for c, m in _MATH_SYMBOLS.items() if re.fullmatch(r"\\[A-Za-z]+", m)},
    **{name: unicodedata.lookup(f"GREEK SMALL LETTER {name.replace('lambda', 'lamda').upper()}")
       for name in _GREEK_MACRO_NAMES},
    **{name.capitalize(): unicodedata.lookup(f"GREEK CAPITAL LETTER {name.replace('lambda', 'lamda').upper()}")
       for name in _GREEK_CAPITALS_WITH_MACROS},
    "varepsilon": "ε", "epsilon": "ε", "varsigma": "ς", "le": "≤", "ge": "≥", "ne": "≠", "mid": "|",
    "dots": "…", "ldots": "…", "cdots": "⋯", "langle": "⟨", "rangle": "⟩", "Vert": "‖", "lvert": "|",
    "rvert": "|", "lVert": "‖", "rVert": "‖", "top": "T", "intercal": "T", "ast": "*", "star": "*",
}
_SPACING = {",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": "  ", "qquad": "   "}
_DROPPED = ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle",
            "limits", "nolimits")
_BLACKBOARD = {"E": "𝔼", "R": "ℝ", "N": "ℕ", "Z": "ℤ", "C": "ℂ", "I": "𝕀", "P": "ℙ"}
_TO_SUPERSCRIPT = {v: k for k, v in _SUPERSCRIPTS.items()}
_TO_SUBSCRIPT = {v: k for k, v in _SUBSCRIPTS.items() if v.isdigit()}
_GROUP = r"\{([^{}]*)\}"


def _parenthesised(text: str) -> str:
    """``text`` as one factor: bare if it is one number, letter or symbol, else in parentheses."""
    return text if re.fullmatch(r"\w+|.", text) else f"({text})"


def _script(marker: str, body: str) -> str:
    table = _TO_SUPERSCRIPT if marker == "^" else _TO_SUBSCRIPT
    if body and all(c in table for c in body):
        return "".join(table[c] for c in body)
    # Placeholders for ^ and _ written here, so that later passes do not read them again.
    return {"^": "\x02", "_": "\x03"}[marker] + (body if re.fullmatch(r"\w+|.", body) else f"({body})")


def _math_to_text(source: str) -> str:
    """Math-mode TeX as Unicode text: ``\\frac{a}{b+1}`` reads ``a/(b+1)``, ``\\lambda^2`` reads ``λ²``."""
    text = source.replace(r"\{", "\x00").replace(r"\}", "\x01").replace(r"\|", "‖")
    text = re.sub(r"\\(?:[,;:! ]|q?quad(?![A-Za-z]))", lambda m: _SPACING[m.group(0)[1:]], text)
    text = re.sub(r"\\(?:%s)(?![A-Za-z])" % "|".join(_DROPPED), "", text)
    # Symbols first, so that \frac{\tau}{2} sees a one-letter numerator.
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _MACRO_TEXT.get(m.group(1), m.group(0)), text)
    for _ in range(20):  # innermost groups first, until nothing changes
        before = text
        text = re.sub(r"\\mathbb" + _GROUP, lambda m: "".join(_BLACKBOARD.get(c, c) for c in m.group(1)), text)
        text = re.sub(r"\\(?:mathrm|mathit|mathbf|mathsf|mathcal|text|textrm|textit|operatorname|boldsymbol)"
                      + _GROUP, r"\1", text)
        text = re.sub(r"\\[tdc]?frac" + _GROUP + _GROUP,
                      lambda m: f"{_parenthesised(m.group(1))}/{_parenthesised(m.group(2))}", text)
        text = re.sub(r"\\sqrt" + _GROUP, lambda m: "√" + _parenthesised(m.group(1)), text)
        text = re.sub(r"\\(hat|tilde|bar|widehat|widetilde|overline)\s*(?:" + _GROUP + r"|(\w))",
                      lambda m: (m.group(2) or m.group(3)) + {"hat": "\u0302", "widehat": "\u0302",
                                                              "tilde": "\u0303", "widetilde": "\u0303"}.get(
                          m.group(1), "\u0304"), text)
        text = re.sub(r"([\^_])" + _GROUP, lambda m: _script(m.group(1), m.group(2)), text)
        if text == before:
            break
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _MACRO_TEXT.get(m.group(1), m.group(1)), text)
    text = re.sub(r"([\^_])(\w|[^\s\w{}])", lambda m: _script(m.group(1), m.group(2)), text)
    text = text.replace("{", "").replace("}", "")
    for placeholder, char in zip("\x00\x01\x02\x03", "{}^_"):
        text = text.replace(placeholder, char)
    return re.sub(r" {2,}", " ", text).strip()


def tex_to_text(text: str) -> str:
    """Prose with ``$...$`` (or ``$$...$$``) TeX math, as plain Unicode text for a terminal.

    The inverse, for reading, of :func:`tex_text`: ``$e_{ICL} = \\frac{\\tau}{\\tau - 1}\\rho$``
    reads ``e_ICL = τ/(τ - 1)ρ``. Text outside the dollars is kept as it is.

    >>> tex_to_text(r"$\\Gamma_\\infty = [\\hat R(\\hat R + qI)^{-1}, 0]$ at $\\lambda^2 \\to 0$")
    'Γ_∞ = [R̂(R̂ + qI)⁻¹, 0] at λ² → 0'
    """
    return re.sub(r"\$\$(.+?)\$\$|\$(.+?)\$", lambda m: _math_to_text(m.group(1) or m.group(2)), text, flags=re.S)


def latex_document(body: str, title: str = "") -> str:
    """A complete document: :data:`DOCUMENT_CLASS`, :data:`LATEX_PREAMBLE` and ``body`` (an exported fragment)."""
    head = f"% {tex_text(title)}\n" if title else ""
    return (f"{head}{DOCUMENT_CLASS}\n{LATEX_PREAMBLE}\\begin{{document}}\n\n{body.rstrip()}\n\n"
            "\\end{document}\n")


# --- A structural linter ------------------------------------------------------------------------------------------
_MATH_ENVIRONMENTS = {"equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*",
                      "displaymath", "math"}
_TEXT_COMMANDS_IN_MATH = {"text", "textrm", "textit", "textbf", "mbox"}


def lint_latex(source: str) -> list[str]:
    """Structural problems of a LaTeX source, as ``"line N: ..."`` strings (empty when none).

    Checks that every character is ASCII; that braces, ``\\left``/``\\right``, ``$``, ``$$``,
    ``\\[``/``\\]``, ``\\(``/``\\)`` and ``\\begin``/``\\end`` pair up and nest; and that ``^``
    and ``_`` appear only in math. A source that passes is not proven to compile, but the
    common ways an export breaks ``pdflatex`` are caught.
    """
    problems: list[str] = []
    # Stack frames: (kind, name, line); kind in {"brace", "env", "math", "left", "textgroup"}.
    stack: list[tuple[str, str, int]] = []
    i, line, n = 0, 1, len(source)

    def in_math() -> bool:
        for kind, name, _ in reversed(stack):
            if kind == "textgroup":
                return False
            if kind == "math":
                return True
            if kind == "env" and name in _MATH_ENVIRONMENTS:
                return True
        return False

    def close(kind: str, name: str, closer: str) -> None:
        if not stack:
            problems.append(f"line {line}: {closer} closes nothing")
            return
        open_kind, open_name, open_line = stack.pop()
        if open_kind == "textgroup":
            open_kind = "brace"
        if (open_kind, open_name if kind != "brace" else name) != (kind, name):
            opener = "{" if open_kind == "brace" else open_name
            problems.append(f"line {line}: {closer} closes {opener} of line {open_line}")

    while i < n:
        char = source[i]
        if ord(char) > 127:
            problems.append(f"line {line}: non-ASCII character {char!r}")
        if char == "\n":
            line += 1
        elif char == "%":
            while i < n and source[i] != "\n":
                i += 1
            continue
        elif char == "\\":
            match = re.match(r"\\([A-Za-z]+\*?|.)", source[i:], re.S)
            command = match.group(1) if match else ""
            i += len(match.group(0)) if match else 1
            if command in ("[", "("):
                if in_math():
                    problems.append(f"line {line}: \\{command} inside math")
                stack.append(("math", "\\" + command, line))
            elif command in ("]", ")"):
                close("math", "\\" + {"]": "[", ")": "("}[command], "\\" + command)
            elif command in ("begin", "end"):
                env = re.match(r"\s*\{([^{}]*)\}", source[i:])
                if not env:
                    problems.append(f"line {line}: \\{command} without an environment name")
                    continue
                i += len(env.group(0))
                if command == "begin":
                    stack.append(("env", env.group(1), line))
                else:
                    close("env", env.group(1), f"\\end{{{env.group(1)}}}")
            elif command in ("left", "right"):
                if not in_math():
                    problems.append(f"line {line}: \\{command} outside math")
                if command == "left":
                    stack.append(("left", "\\left", line))
                else:
                    close("left", "\\left", "\\right")
                continue  # the delimiter that follows (e.g. "[" or "\{") is not a group
            elif command.rstrip("*") in _TEXT_COMMANDS_IN_MATH and source[i:i + 1] == "{":
                stack.append(("textgroup", command.rstrip("*"), line))
                i += 1
            continue
        elif char == "{":
            stack.append(("brace", "{", line))
        elif char == "}":
            close("brace", "{", "}")
        elif char == "$":
            delimiter = "$$" if source[i:i + 2] == "$$" and not (stack and stack[-1][:2] == ("math", "$")) else "$"
            if stack and stack[-1][:2] == ("math", delimiter):
                stack.pop()
            elif in_math():
                problems.append(f"line {line}: {delimiter} inside math")
            else:
                stack.append(("math", delimiter, line))
            i += len(delimiter)
            continue
        elif char in "^_" and not in_math():
            problems.append(f"line {line}: {char} outside math")
        i += 1
    for kind, name, opened in stack:
        problems.append(f"line {opened}: {'{' if kind in ('brace', 'textgroup') else name} never closed")
    return problems
