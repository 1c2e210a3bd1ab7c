"""The resident's マイナンバーカード at the counter: PC/SC reading, APDUs, parsing, signature check,
matching against the register. Qt-free; the dialog is client/ui/card_dialog.py.

Layout (application ids, file ids, tags) from public open-source readers; see docs/card.md.
"""
