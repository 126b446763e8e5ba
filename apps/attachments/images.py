"""Where a PNG or JPEG image ends, so that bytes appended after it are not stored.

A file can be a valid image and something else at once (a PNG with an HTML page after
its IEND chunk, a JPEG with a ZIP archive after its EOI marker): every viewer shows the
picture, and whatever reads the file from the end, or sniffs it, finds the rest. Cutting
at the end marker keeps the image byte for byte (quality, EXIF orientation, colour
profile) and drops the passenger. The walks follow the formats' own structure (chunk
lengths, segment lengths), so an EOI-looking pair of bytes inside an EXIF thumbnail or
a chunk's data does not end the image early.
"""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
# Markers without a length: TEM, RST0..RST7 (and SOI/EOI, handled apart).
STANDALONE = {0x01, *range(0xD0, 0xD8)}


def png_end(data):
    """The offset just past the IEND chunk, or None if the chunks do not lead to one."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        position += 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return position if position <= len(data) else None
    return None


def jpeg_end(data, start=0):
    """The offset just past the EOI of the JPEG that starts at `start`, or None."""
    if data[start : start + 2] != bytes([0xFF, SOI]):
        return None
    position, size = start + 2, len(data)
    while position < size:
        if data[position] != 0xFF:
            return None
        while position < size and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= size:
            return None
        marker = data[position]
        position += 1
        if marker == EOI:
            return position
        if marker in STANDALONE:
            continue
        if position + 2 > size:
            return None
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2:
            return None
        position += length
        if marker == SOS:
            position = _after_scan(data, position)
            if position is None:
                return None
    return None


def _after_scan(data, position):
    """Skip entropy-coded data: it ends at the first 0xFF that starts a real marker (not a
    stuffed 0xFF00, a restart marker or a fill byte)."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            return None
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            position = found + 2
        elif following == 0xFF:
            position = found + 1
        else:
            return found


def image_end(data, pil_image):
    """Where the image `pil_image` (opened from `data`) ends, or None if unknown.

    A multi-picture JPEG (MPO: what phones write for portrait or 3D photos) holds its
    other pictures after the first one's EOI, at the offsets its MP index gives: they
    are part of the image and are kept; anything after the last one is not.
    """
    if pil_image.format == "PNG":
        return png_end(data)
    end = jpeg_end(data)
    if end is None or pil_image.format != "MPO":
        return end
    base = _mp_index_offset(data)
    if base is None:
        return end
    for entry in pil_image.mpinfo.get(0xB002, [])[1:]:
        frame_end = jpeg_end(data, entry["DataOffset"] + base)
        if frame_end is None:
            return end  # an index that points nowhere: keep the first picture only
        end = max(end, frame_end)
    return end


def _mp_index_offset(data):
    """Where the MP index's offsets count from: just after "MPF\\0" in the APP2 segment."""
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == SOS:
            return None
        if marker == 0xE2 and data[position + 4 : position + 8] == b"MPF\x00":
            return position + 8
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return None
