"""Which language the customer writes in, offline (py3langid: a small naive-Bayes model, no network).

Short or mixed texts ("Late check-out?", "Lisbon 12-16 May") are read as English unless the model is
sure; the offline engine writes English only (`COVERED`), so a customer it is sure writes another
language goes to a person rather than getting an answer they may not read.
"""

from __future__ import annotations

import re
from functools import lru_cache

COVERED = {"en"}  # languages the offline engine reads and writes
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
         "nl": "Dutch", "pl": "Polish", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
         "cs": "Czech", "ro": "Romanian", "tr": "Turkish", "el": "Greek", "ru": "Russian", "uk": "Ukrainian",
         "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew", "hi": "Hindi"}
MIN_LETTERS = 25  # below this, a guess is noise: read as English
MIN_CONFIDENCE = 0.95


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(NAMES))
    return identifier


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`'s language; "en" when the text is too short or the model unsure."""
    letters = re.sub(r"[^\w]|\d|_", "", text)
    if len(letters) < MIN_LETTERS:
        return "en"
    code, confidence = _identifier().classify(text)
    return code if confidence >= MIN_CONFIDENCE else "en"


def language_name(code: str | None) -> str:
    return NAMES.get(code or "en", code or "English")
