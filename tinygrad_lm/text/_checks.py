"""Argument checks shared by the text functions: a str where text is expected, a token list where
tokens are expected (a str there would silently be split into characters)."""


def require_str(text, who: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{who} expects a str, got {type(text).__name__}"
                        + (" (decode bytes first: b.decode('utf-8'))" if isinstance(text, bytes) else ""))


def require_tokens(tokens, who: str) -> None:
    if isinstance(tokens, str):
        raise TypeError(f"{who} expects a list of tokens, got a str (which would be split into characters): "
                        f"tokenize it first, e.g. word_tokenize(text)")
