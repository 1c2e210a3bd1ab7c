"""UI language: Japanese source strings, English from Qt's compiled catalogue (i18n/madoguchi_en.qm).

``LanguageSwitcher.set_language("en")`` installs the translator; Qt then sends LanguageChange to
every widget and the main window re-translates itself. Dialogs pick the language up when opened.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parent / "i18n"
LANGUAGES = ("ja", "en")


class LanguageSwitcher:
    def __init__(self, app: QCoreApplication, directory: Path = I18N_DIR) -> None:
        self.app = app
        self.directory = directory
        self.language = "ja"
        self._translator: QTranslator | None = None

    def set_language(self, language: str) -> bool:
        if language not in LANGUAGES:
            raise ValueError(f"unknown UI language {language!r}")
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        if language != "ja":
            translator = QTranslator(self.app)
            qm = self.directory / f"madoguchi_{language}.qm"
            if not translator.load(str(qm)):
                log.error("cannot load translation %s", qm)
                self.language = "ja"
                return False
            self.app.installTranslator(translator)
            self._translator = translator
        self.language = language
        QLocale.setDefault(QLocale(QLocale.Language.Japanese if language == "ja" else QLocale.Language.English))
        log.info("UI language: %s", language)
        return True

    def toggle(self) -> None:
        self.set_language("en" if self.language == "ja" else "ja")
