"""GPT-2's reversible map between the 256 byte values and 256 printable Unicode characters.

GPT-2's files (`encoder.json`, `vocab.bpe`) store tokens as *strings*, not bytes. To make every
byte printable (so a merge line like `Ġ t` never contains a raw space or newline), OpenAI maps each
byte to one visible character: the 188 printable Latin-1 bytes map to themselves ('!' -> '!'), the
68 others (controls, space, 0x7F-0xA0, 0xAD) map to U+0100, U+0101, ... in byte order. So space
(0x20) becomes 'Ġ' (U+0120) and newline (0x0A) becomes 'Ċ' (U+010A).

Handles: the map (gpt2.py inverts it to read encoder.json / vocab.bpe).
Does not handle: merges or ids (see gpt2.py, bpe.py).
"""
from functools import lru_cache


@lru_cache(maxsize=None)
def bytes_to_unicode() -> dict:
    """Return {byte value (int 0..255): single printable character}, exactly as GPT-2's encoder.py."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    byte_values = printable[:]
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:          # not printable: give it the next unused code point >= 256
            byte_values.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(byte_values, (chr(c) for c in chars)))
