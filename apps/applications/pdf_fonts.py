"""The CJK font of the printed form, cut down to the characters Chinese text uses.

WeasyPrint embeds a subset of each font, but keeps every glyph number up to the highest
one used, and the ideographs of Noto Sans CJK sit high: every form carried ~1.5 MB of
font tables (317 KB compressed) for a two-page form. A copy of the font holding only
GB 2312 (the 6,763 common hanzi and its symbols), ASCII, Latin-1 and the CJK punctuation
numbers its glyphs 0-8,000, and the forms shrink to about 120 KB.

A character outside that set (a rare name character such as 喆) is still printed: the
stylesheet names the full Noto font next, and the renderer falls back to it for that
glyph. Without the built copies (`manage.py build_pdf_fonts`, run by `make setup`), the
form is printed in the full font: the same text, a larger file.
"""

from pathlib import Path

from django.conf import settings

FAMILY = "Portal CJK"
WEIGHTS = {
    "regular": ("normal", "NotoSansCJK-Regular.ttc"),
    "bold": ("bold", "NotoSansCJK-Bold.ttc"),
}
SOURCE_FAMILY = "Noto Sans CJK SC"


def font_dir():
    return Path(settings.PDF_FONT_DIR)


def font_path(weight):
    return font_dir() / f"portal-cjk-{weight}.otf"


def built():
    return all(font_path(weight).is_file() for weight in WEIGHTS)


def font_face_css():
    """@font-face rules for the built copies ("" when they are not built)."""
    if not built():
        return ""
    return "\n".join(
        f'@font-face {{ font-family: "{FAMILY}"; src: url({font_path(name).as_uri()});'
        f" font-weight: {css_weight}; }}"
        for name, (css_weight, _source) in WEIGHTS.items()
    )


def common_characters():
    """GB 2312 (every code point it encodes), ASCII, Latin-1, general and CJK
    punctuation, and full-width forms."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    ranges = [(0x20, 0x7F), (0xA0, 0x180), (0x2000, 0x2070), (0x2100, 0x2200)]
    ranges += [(0x2460, 0x2500), (0x3000, 0x3040), (0xFF00, 0xFFF0)]
    for start, end in ranges:
        chars.update(range(start, end))
    return chars


def _source_face(path):
    """The index of the Simplified Chinese face in Noto's collection."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    for index, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == SOURCE_FAMILY:
            return index
    raise ValueError(f"{path} holds no {SOURCE_FAMILY} face")


def build(*, characters=None, out_dir=None, source_dir=None):
    """Write the cut-down copies; returns their paths. Takes ~10 s a weight."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    out_dir = Path(out_dir or font_dir())
    source_dir = Path(source_dir or settings.PDF_FONT_SOURCE_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    characters = characters or common_characters()
    written = []
    for name, (_css_weight, source_name) in WEIGHTS.items():
        source = source_dir / source_name
        font = TTFont(source, fontNumber=_source_face(source))
        options = subset.Options(
            desubroutinize=True, hinting=False, notdef_outline=True, name_IDs=["*"]
        )
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=characters)
        subsetter.subset(font)
        target = out_dir / f"portal-cjk-{name}.otf"
        partial = target.with_suffix(".part")
        font.save(partial)
        partial.replace(target)  # a renderer never reads a half-written font
        written.append(target)
    return written
